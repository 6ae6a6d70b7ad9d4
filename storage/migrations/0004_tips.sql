-- Weekly prevention tips per alert group or subscribed resident, and what was sent.
CREATE TABLE tip_schedules (
    chat_id       INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,            -- group | resident
    weekday       INTEGER NOT NULL DEFAULT 1,  -- Monday = 0; Tuesday by default
    time          TEXT NOT NULL DEFAULT '19:00',
    paused        INTEGER NOT NULL DEFAULT 0,
    opted_out     TEXT NOT NULL DEFAULT '',   -- themes, space separated
    quiet_start   TEXT NOT NULL DEFAULT '22:00',
    quiet_end     TEXT NOT NULL DEFAULT '08:00',
    created_at    TEXT NOT NULL
);

-- One row per planned send (its occurrence key): a restart or a clock jump never sends twice.
CREATE TABLE send_log (
    key           TEXT PRIMARY KEY,
    chat_id       INTEGER NOT NULL,
    kind          TEXT NOT NULL,            -- tip | dark_days_opening | dark_days_reminder | campaign
    tip_id        TEXT,
    scheduled_for TEXT NOT NULL,
    status        TEXT NOT NULL,            -- sent | skipped
    at            TEXT NOT NULL
);
CREATE INDEX send_log_chat ON send_log(chat_id, at);

-- Tips written by coordinators (scope team:<id>) and admins (scope GMxxxx).
CREATE TABLE custom_tips (
    id            INTEGER PRIMARY KEY,
    scope         TEXT NOT NULL,
    theme         TEXT NOT NULL,
    language      TEXT NOT NULL DEFAULT 'nl',
    text          TEXT NOT NULL,
    created_by    INTEGER,
    created_at    TEXT NOT NULL
);
