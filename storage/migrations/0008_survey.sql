-- The yearly wijkagenda survey: a round per gemeente per year, who was invited per wijk,
-- and one ballot per person per wijk.
CREATE TABLE surveys (
    id            INTEGER PRIMARY KEY,
    gemeente_code TEXT NOT NULL,
    year          INTEGER NOT NULL,
    options       TEXT NOT NULL,                  -- the ballot's option keys, in order, space separated
    state         TEXT NOT NULL DEFAULT 'open',   -- open | closed
    opened_at     TEXT NOT NULL,
    closed_at     TEXT,
    UNIQUE (gemeente_code, year)
);

CREATE TABLE survey_invitations (
    survey_id     INTEGER NOT NULL REFERENCES surveys(id),
    wijk_code     TEXT NOT NULL,
    telegram_id   INTEGER NOT NULL,
    invited_at    TEXT NOT NULL,
    PRIMARY KEY (survey_id, wijk_code, telegram_id)
);

CREATE TABLE survey_ballots (
    survey_id     INTEGER NOT NULL REFERENCES surveys(id),
    wijk_code     TEXT NOT NULL,
    telegram_id   INTEGER NOT NULL,
    choices       TEXT NOT NULL,                  -- option keys, space separated (at most 3)
    cast_at       TEXT NOT NULL,
    PRIMARY KEY (survey_id, wijk_code, telegram_id)
);

-- The top 3 per wijk, kept when a round closes so /overzicht shows it without recounting.
CREATE TABLE survey_results (
    survey_id     INTEGER NOT NULL REFERENCES surveys(id),
    wijk_code     TEXT NOT NULL,
    invited       INTEGER NOT NULL,
    voted         INTEGER NOT NULL,
    ranking       TEXT NOT NULL,                  -- JSON [[rank, option, votes], ...]
    PRIMARY KEY (survey_id, wijk_code)
);
