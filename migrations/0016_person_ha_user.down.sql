ALTER TABLE people DROP CONSTRAINT people_ha_user_id_key;
ALTER TABLE people DROP COLUMN ha_user_id;
