-- The exact address of a report, for the officers only (the group reads the street): house
-- number and postcode, as typed or geocoded. Reduced away with the exact point after
-- [privacy] exact_point_hours (storage.privacy.apply_retention).
ALTER TABLE sightings ADD COLUMN house_number TEXT;
ALTER TABLE sightings ADD COLUMN postcode TEXT;
