-- A new edit of a message supersedes its older pending edits (outbox.enqueue): found by
-- edit_of, not by scanning every pending row (thousands while a broadcast drains).
CREATE INDEX outbox_edit_of ON outbox(edit_of) WHERE edit_of IS NOT NULL;
