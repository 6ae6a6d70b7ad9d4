-- The wijkagent's desk (issue 21).
-- "Afgehandeld" and "Opgelost" meant the same: both are "resolved" now ("Afgerond").
UPDATE incidents SET status = 'resolved' WHERE status = 'handled';
UPDATE sightings SET status = 'resolved' WHERE status = 'handled';

-- Who holds an incident after a hand-over (before that: acknowledged_by).
ALTER TABLE incidents ADD COLUMN assigned_to INTEGER;

-- Every change of an incident: status, hand-over, reopen, questions and answers, notes.
CREATE TABLE incident_events (
    id            INTEGER PRIMARY KEY,
    incident_id   INTEGER NOT NULL REFERENCES incidents(id),
    at            TEXT NOT NULL,
    actor_id      INTEGER,           -- NULL: the bot itself (expiry), or erased by /vergeetmij
    action        TEXT NOT NULL,     -- a SightingStatus value or a bot.core.domain.IncidentAction
    target_id     INTEGER,           -- a hand-over: to whom
    note          TEXT               -- one line; personal data, erased at retention
);
CREATE INDEX incident_events_incident ON incident_events(incident_id, id);
-- What is known of the past: who picked each incident up, and how it ended.
INSERT INTO incident_events (incident_id, at, actor_id, action)
    SELECT id, acknowledged_at, acknowledged_by, 'acknowledged' FROM incidents WHERE acknowledged_at IS NOT NULL;
INSERT INTO incident_events (incident_id, at, actor_id, action)
    SELECT id, closed_at, NULL, status FROM incidents WHERE closed_at IS NOT NULL;

-- "Vraag aan melder": an officer's question to one reporter, and the answer. Neither side sees
-- the other's name: the bot relays both.
CREATE TABLE reporter_questions (
    id            INTEGER PRIMARY KEY,
    incident_id   INTEGER NOT NULL REFERENCES incidents(id),
    sighting_id   INTEGER NOT NULL REFERENCES sightings(id),
    officer_id    INTEGER,
    reporter_id   INTEGER,
    question      TEXT,
    answer        TEXT,
    asked_at      TEXT NOT NULL,
    answered_at   TEXT
);
CREATE INDEX reporter_questions_incident ON reporter_questions(incident_id);

-- A typed line the bot waits for (a question, an answer, a hand-over or closing note).
CREATE TABLE desk_inputs (
    telegram_id   INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    ref           INTEGER NOT NULL,
    target_id     INTEGER,
    created_at    TEXT NOT NULL
);

-- Officer and desk chats Telegram refused (400 chat not found, 403): admins are told once each.
CREATE TABLE broken_chats (
    chat_id       INTEGER PRIMARY KEY,
    error         TEXT NOT NULL,
    first_at      TEXT NOT NULL
);
