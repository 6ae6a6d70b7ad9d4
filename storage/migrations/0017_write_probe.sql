-- One row that /healthz rewrites while the database could not be written (a full disk, a
-- read-only file): a write that really changes a page, to see whether writing works again.
CREATE TABLE write_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n INTEGER NOT NULL
);
