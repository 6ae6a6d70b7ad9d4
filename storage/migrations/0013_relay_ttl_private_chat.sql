-- A relay to the neighbouring buurten lasts until relay_until; after that (or when the original
-- ends) its messages are edited, and relay_ended_at records that the "no longer current" edit went.
ALTER TABLE incidents ADD COLUMN relay_until TEXT;
ALTER TABLE incidents ADD COLUMN relay_ended_at TEXT;
CREATE INDEX incidents_relay_due ON incidents(relay_until);

-- When a person first wrote to the bot in private: only then may the bot write to them (a bot
-- cannot start a private chat). "Ik kijk" uses it to offer the start link to the others.
ALTER TABLE users ADD COLUMN private_chat_at TEXT;
-- Before this column: whoever reported, has a report in progress, follows a buurt, or got a
-- private message from the bot, has a private chat.
UPDATE users SET private_chat_at = created_at
 WHERE active = 1 AND (telegram_id IN (SELECT reporter_id FROM sightings WHERE reporter_id IS NOT NULL)
    OR telegram_id IN (SELECT telegram_id FROM report_drafts)
    OR telegram_id IN (SELECT telegram_id FROM subscriptions)
    OR telegram_id IN (SELECT chat_id FROM outbox WHERE chat_id > 0 AND status = 'sent'));
