-- One-time invites for roles; only a hash of the token is stored, so a copy of the
-- database cannot be used to claim one.
CREATE TABLE invites (
    token_hash    TEXT PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,    -- short public id to list and revoke it
    role          TEXT NOT NULL,
    scope         TEXT NOT NULL,
    label         TEXT,
    created_by    INTEGER,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    used_by       INTEGER,
    used_at       TEXT,
    revoked_at    TEXT
);

-- Residents who follow the alerts of their buurt in private.
CREATE TABLE subscriptions (
    telegram_id   INTEGER NOT NULL,
    buurt_code    TEXT NOT NULL,
    address       TEXT,                  -- only with the resident's consent
    created_at    TEXT NOT NULL,
    PRIMARY KEY (telegram_id, buurt_code)
);
CREATE INDEX subscriptions_buurt ON subscriptions(buurt_code);

-- "Ik kijk" / "Gezien" presses on group alerts.
CREATE TABLE watch_responses (
    incident_id   INTEGER NOT NULL,
    chat_id       INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    first_name    TEXT,
    kind          TEXT NOT NULL,         -- look | seen
    at            TEXT NOT NULL,
    PRIMARY KEY (incident_id, user_id, kind)
);

-- Alerts sent by coordinators (their teams) and officers (an area).
CREATE TABLE broadcasts (
    id            INTEGER PRIMARY KEY,
    sender_id     INTEGER NOT NULL,
    kind          TEXT NOT NULL,         -- team_alarm | missing_person | suspect_vehicle | scam_wave | other
    scope         TEXT NOT NULL,         -- 'teams:1,2' | 'WK079410' | 'GM0794' | 'radius:lat,lon,m'
    text          TEXT NOT NULL,
    photo_file_id TEXT,
    buurten       TEXT NOT NULL,         -- the buurtcodes it went to, space separated
    status        TEXT NOT NULL DEFAULT 'draft',  -- draft, sending, sent, cancelled, ended
    progress_chat_id INTEGER,
    progress_message_id INTEGER,
    created_at    TEXT NOT NULL,
    sent_at       TEXT,
    ended_at      TEXT,
    outcome       TEXT
);
CREATE INDEX broadcasts_sender ON broadcasts(sender_id, created_at);
