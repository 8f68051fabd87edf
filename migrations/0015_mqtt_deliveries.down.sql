DROP TABLE mqtt_clients;
DROP TABLE mqtt_deliveries;
