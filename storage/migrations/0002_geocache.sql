-- PDOK Locatieserver answers, so a postcode is looked up once per cache period.
CREATE TABLE geocache (
    query       TEXT PRIMARY KEY,
    result      TEXT,            -- JSON of the address, or NULL: PDOK knows no such address
    fetched_at  TEXT NOT NULL
);
