-- Foundation schema. Times are ISO-8601 UTC text (see storage.db.to_db_time).

CREATE TABLE users (
    telegram_id   INTEGER PRIMARY KEY,
    language      TEXT NOT NULL DEFAULT 'nl',
    display_name  TEXT,              -- shown to officers only, never to groups
    username      TEXT,
    active        INTEGER NOT NULL DEFAULT 1,   -- 0 after 403 Forbidden (blocked the bot)
    muted_until   TEXT,
    created_at    TEXT NOT NULL
);

-- A person may hold several roles; scope is a CBS code (GM/WK/BU) or a team id ('team:3').
CREATE TABLE roles (
    telegram_id   INTEGER NOT NULL,
    role          TEXT NOT NULL,
    scope         TEXT NOT NULL DEFAULT '',
    granted_by    INTEGER,
    granted_at    TEXT NOT NULL,
    source        TEXT NOT NULL DEFAULT 'invite',  -- 'config' roles are re-synced at start-up
    PRIMARY KEY (telegram_id, role, scope)
);
CREATE INDEX roles_scope ON roles(role, scope);

CREATE TABLE teams (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    gemeente_code TEXT NOT NULL,
    created_by    INTEGER,
    created_at    TEXT NOT NULL
);

CREATE TABLE team_buurten (
    team_id       INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    buurt_code    TEXT NOT NULL,
    PRIMARY KEY (team_id, buurt_code)
);
CREATE INDEX team_buurten_buurt ON team_buurten(buurt_code);

CREATE TABLE alert_groups (
    chat_id       INTEGER PRIMARY KEY,
    team_id       INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    title         TEXT,
    language      TEXT NOT NULL DEFAULT 'nl',
    active        INTEGER NOT NULL DEFAULT 1,
    linked_by     INTEGER,
    linked_at     TEXT NOT NULL
);
CREATE INDEX alert_groups_team ON alert_groups(team_id);

-- Many reports of one thing (same category, close in space and time) form one incident.
CREATE TABLE incidents (
    id            INTEGER PRIMARY KEY,
    category      TEXT NOT NULL,
    buurt_code    TEXT NOT NULL,
    wijk_code     TEXT NOT NULL,
    gemeente_code TEXT NOT NULL,
    lat           REAL,
    lon           REAL,
    first_at      TEXT NOT NULL,
    last_at       TEXT NOT NULL,
    report_count  INTEGER NOT NULL DEFAULT 1,
    status        TEXT NOT NULL DEFAULT 'new',
    acknowledged_by INTEGER,
    acknowledged_at TEXT,
    escalated_at  TEXT,
    closed_at     TEXT
);
CREATE INDEX incidents_recent ON incidents(category, last_at);

CREATE TABLE sightings (
    id            INTEGER PRIMARY KEY,
    reference     TEXT NOT NULL UNIQUE,
    incident_id   INTEGER REFERENCES incidents(id),
    category      TEXT NOT NULL,
    reporter_id   INTEGER,           -- NULL once anonymised
    gemeente_code TEXT NOT NULL,
    wijk_code     TEXT NOT NULL,
    buurt_code    TEXT NOT NULL,
    lat           REAL,              -- exact point: personal data, erased at retention
    lon           REAL,
    street        TEXT,
    location_source TEXT NOT NULL,
    occurred_at   TEXT NOT NULL,
    description   TEXT,              -- personal data, erased at retention
    photo_file_id TEXT,
    urgent        INTEGER NOT NULL DEFAULT 0,
    called_112    INTEGER,
    language      TEXT NOT NULL DEFAULT 'nl',
    status        TEXT NOT NULL DEFAULT 'new',
    created_at    TEXT NOT NULL,
    anonymised_at TEXT
);
CREATE INDEX sightings_area ON sightings(gemeente_code, wijk_code, buurt_code, created_at);
CREATE INDEX sightings_reporter ON sightings(reporter_id);

-- A reference number per year: M-2026-00042.
CREATE TABLE reference_counters (
    year          INTEGER PRIMARY KEY,
    last_value    INTEGER NOT NULL
);

-- Messages to send, written in the same transaction as the event that caused them.
-- priority: lower is sooner (0 = urgent alerts, 5 = normal, 9 = tips and statistics).
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    chat_id       INTEGER NOT NULL,
    method        TEXT NOT NULL,     -- sendMessage, sendPhoto, editMessageText, ...
    payload       TEXT NOT NULL,     -- JSON of Bot API parameters, chat_id excluded
    priority      INTEGER NOT NULL DEFAULT 5,
    kind          TEXT NOT NULL DEFAULT 'message', -- a RecipientKind for routed reports, or tip, reply, broadcast
    language      TEXT NOT NULL DEFAULT 'nl',      -- the recipient's language, to re-render edits
    sighting_id   INTEGER,
    incident_id   INTEGER,
    broadcast_id  INTEGER,
    edit_of       INTEGER REFERENCES outbox(id),  -- for edits: the outbox row whose message to edit
    status        TEXT NOT NULL DEFAULT 'pending', -- pending, sending, sent, failed, dropped, superseded
    attempts      INTEGER NOT NULL DEFAULT 0,
    not_before    TEXT NOT NULL,
    last_error    TEXT,
    message_id    INTEGER,           -- Telegram's id of the delivered message
    created_at    TEXT NOT NULL,
    sent_at       TEXT
);
CREATE INDEX outbox_due ON outbox(status, priority, not_before, id);
CREATE INDEX outbox_incident ON outbox(incident_id);

-- A report in progress, one per user: survives restarts of the bot.
CREATE TABLE report_drafts (
    telegram_id   INTEGER PRIMARY KEY,
    step          TEXT NOT NULL,
    data          TEXT NOT NULL,     -- JSON
    updated_at    TEXT NOT NULL
);

CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    actor_id      INTEGER,
    action        TEXT NOT NULL,
    subject       TEXT,
    detail        TEXT
);
