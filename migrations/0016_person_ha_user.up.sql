-- A person may be linked to the Home Assistant user who signs in as them, so
-- the panel under ingress (X-Remote-User-Id) opens on their own person. One
-- HA user is one person at most.
ALTER TABLE people ADD COLUMN ha_user_id text;
ALTER TABLE people ADD CONSTRAINT people_ha_user_id_key UNIQUE (ha_user_id);
