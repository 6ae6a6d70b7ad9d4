-- Patrol rounds (loopronden) of a team: who walks, the announcements to edit, what was sent,
-- and the walk reports afterwards.
CREATE TABLE patrol_rounds (
    id            INTEGER PRIMARY KEY,
    team_id       INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    starts_at     TEXT NOT NULL,
    ends_at       TEXT NOT NULL,
    route         TEXT NOT NULL,                   -- route or area as the coordinator typed it
    buurt_code    TEXT NOT NULL,                   -- where a follow-up from a walk report is placed
    min_walkers   INTEGER NOT NULL DEFAULT 2,
    status        TEXT NOT NULL DEFAULT 'planned', -- planned | cancelled
    created_by    INTEGER,
    created_at    TEXT NOT NULL,
    cancelled_at  TEXT
);
CREATE INDEX patrol_rounds_time ON patrol_rounds(status, starts_at);
CREATE INDEX patrol_rounds_team ON patrol_rounds(team_id, starts_at);

CREATE TABLE patrol_walkers (
    round_id      INTEGER NOT NULL REFERENCES patrol_rounds(id) ON DELETE CASCADE,
    telegram_id   INTEGER NOT NULL,
    signed_up_at  TEXT NOT NULL,
    PRIMARY KEY (round_id, telegram_id)
);
CREATE INDEX patrol_walkers_person ON patrol_walkers(telegram_id);

-- People who pressed a sign-up button in a team's alert group: they count as team members and
-- see the team's rounds in /rondes.
CREATE TABLE patrol_members (
    team_id       INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    telegram_id   INTEGER NOT NULL,
    joined_at     TEXT NOT NULL,
    PRIMARY KEY (team_id, telegram_id)
);
CREATE INDEX patrol_members_person ON patrol_members(telegram_id);

-- The announcement with sign-up buttons in each alert group (its outbox row), edited in place.
CREATE TABLE patrol_messages (
    outbox_id     INTEGER PRIMARY KEY,
    round_id      INTEGER NOT NULL REFERENCES patrol_rounds(id) ON DELETE CASCADE,
    chat_id       INTEGER NOT NULL,
    language      TEXT NOT NULL DEFAULT 'nl'
);
CREATE INDEX patrol_messages_round ON patrol_messages(round_id);

-- One row per planned shortage warning, reminder or walk-report question (its key): a restart,
-- a clock jump or two ticks close together never send one twice.
CREATE TABLE patrol_sends (
    key           TEXT PRIMARY KEY,
    round_id      INTEGER NOT NULL,
    chat_id       INTEGER NOT NULL,
    kind          TEXT NOT NULL,                   -- shortage | reminder | report
    scheduled_for TEXT NOT NULL,
    status        TEXT NOT NULL,                   -- sent | skipped
    at            TEXT NOT NULL
);
CREATE INDEX patrol_sends_round ON patrol_sends(round_id);

CREATE TABLE patrol_reports (
    round_id      INTEGER NOT NULL REFERENCES patrol_rounds(id) ON DELETE CASCADE,
    telegram_id   INTEGER NOT NULL,
    state         TEXT NOT NULL DEFAULT 'asked',   -- asked | awaiting_text | done
    outcome       TEXT,                            -- nothing | observations | follow_up
    text          TEXT,                            -- personal data: erased at retention
    sighting_id   INTEGER,                         -- the routed follow-up
    asked_at      TEXT NOT NULL,
    answered_at   TEXT,
    PRIMARY KEY (round_id, telegram_id)
);
CREATE INDEX patrol_reports_state ON patrol_reports(state, telegram_id);

-- Reminders need a private chat with the bot: users.private_chat_at comes with 0013.
