-- Erasure keeps an officer's or coordinator's broadcasts (the area's history) but not who sent
-- them: sender_id may now be NULL. SQLite cannot drop NOT NULL in place, so the table is
-- rebuilt; nothing references broadcasts(id) by foreign key.
CREATE TABLE broadcasts_new (
    id            INTEGER PRIMARY KEY,
    sender_id     INTEGER,               -- NULL once the sender asked to be forgotten
    kind          TEXT NOT NULL,
    scope         TEXT NOT NULL,
    text          TEXT NOT NULL,
    photo_file_id TEXT,
    buurten       TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'draft',
    progress_chat_id INTEGER,
    progress_message_id INTEGER,
    created_at    TEXT NOT NULL,
    sent_at       TEXT,
    ended_at      TEXT,
    outcome       TEXT
);
INSERT INTO broadcasts_new (id, sender_id, kind, scope, text, photo_file_id, buurten, status, progress_chat_id,
                            progress_message_id, created_at, sent_at, ended_at, outcome)
    SELECT id, sender_id, kind, scope, text, photo_file_id, buurten, status, progress_chat_id,
           progress_message_id, created_at, sent_at, ended_at, outcome FROM broadcasts;
DROP TABLE broadcasts;
ALTER TABLE broadcasts_new RENAME TO broadcasts;
CREATE INDEX broadcasts_sender ON broadcasts(sender_id, created_at);
-- Export and erase find a person's tip log and "Ik kijk" presses by chat and user.
CREATE INDEX watch_responses_user ON watch_responses(user_id);
