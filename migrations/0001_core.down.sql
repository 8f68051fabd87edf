DROP TABLE idempotency_keys;
DROP TABLE people;
DROP TABLE household;
