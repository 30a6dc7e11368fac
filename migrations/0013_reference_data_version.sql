-- The reference data's version: a new UUID on every statement that changes counties, municipalities or population
-- figures. Reports keep every municipality with its population per version (src/reports/municipalities.ts), because
-- that half of a report costs 95 % of its SQL at 10,000 municipalities (two probes of population_figures each) and
-- changes only with reference data, while decisions change all day. A report reads the version in the snapshot it
-- reads its decisions in, so a kept copy is used only for exactly the reference data that snapshot sees, whatever
-- the change notifications say or when they arrive.
--
-- A UUID, not a counter: the same version then means the same reference data in any database (a copy of one made
-- from another carries both), so one process may keep copies for several databases, and a restored backup can never
-- meet a version that labelled other data. Per statement, not per transaction, so that a report read inside a
-- writing transaction, between two of its changes, is labelled with what it read. One row: writers of reference
-- data (loads, which run under the migrator's lock, and rare corrections) wait on each other; decisions never touch it.
CREATE TABLE reference_data_version (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  version uuid NOT NULL DEFAULT gen_random_uuid()
);
INSERT INTO reference_data_version DEFAULT VALUES;

CREATE FUNCTION advance_reference_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE reference_data_version SET version = gen_random_uuid();
  RETURN NULL;
END $$;

CREATE TRIGGER reference_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON counties
  FOR EACH STATEMENT EXECUTE FUNCTION advance_reference_data_version();
CREATE TRIGGER reference_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON municipalities
  FOR EACH STATEMENT EXECUTE FUNCTION advance_reference_data_version();
CREATE TRIGGER reference_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON population_figures
  FOR EACH STATEMENT EXECUTE FUNCTION advance_reference_data_version();
