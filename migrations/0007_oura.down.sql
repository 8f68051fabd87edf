DROP TABLE oura_sync;
DROP TABLE oura_documents;
DROP TABLE oura_states;
DROP TABLE oura_tokens;
