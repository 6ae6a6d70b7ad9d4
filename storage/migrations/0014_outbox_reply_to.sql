-- A message sent as a reply to another outbox row (a later report merged into an incident goes
-- to the officers as a reply to their copy of the first). Like edit_of, the sender resolves it
-- to a Telegram message id once that message is out.
ALTER TABLE outbox ADD COLUMN reply_to INTEGER REFERENCES outbox(id);
