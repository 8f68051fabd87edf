DROP TABLE pairing_codes;
DROP TABLE api_tokens;
