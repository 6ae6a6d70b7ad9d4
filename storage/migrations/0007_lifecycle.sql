-- An alert is relayed to the neighbouring buurten at most once.
ALTER TABLE incidents ADD COLUMN relayed_at TEXT;
CREATE INDEX incidents_open ON incidents(status, first_at);
