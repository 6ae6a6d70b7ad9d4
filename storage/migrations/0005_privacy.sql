-- Retention scans sightings by age; export and erase look people up by reporter.
CREATE INDEX sightings_created ON sightings(created_at);
CREATE INDEX outbox_chat ON outbox(chat_id, status);
CREATE INDEX audit_subject ON audit_log(subject);
