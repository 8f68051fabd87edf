DROP TABLE mqtt_deliveries;
