-- The household's names and aliases go; the shipped ones apply again.
DROP TABLE activity_type_names;
