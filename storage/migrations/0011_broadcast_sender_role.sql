-- The role a broadcast is sent under (wijkagent, boa, admin, care_desk, coordinator), kept as a
-- key so every recipient reads "Afzender: …" in their own language, also when it is ended.
ALTER TABLE broadcasts ADD COLUMN sender_role TEXT;
