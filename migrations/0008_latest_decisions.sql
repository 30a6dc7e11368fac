-- The latest standing decision of every municipality on every period: the one in force today, and on any date
-- after it arrived. Reports read it instead of probing the decisions of each municipality (src/queries/uptake.ts),
-- so the first report after a change costs a scan of one row per municipality, however long the history. Only a
-- municipality whose latest decision arrived after a report's as-of date is still probed.
--
-- Kept by triggers, so that every way a decision or a withdrawal is recorded keeps it true. Which decision supersedes
-- which is the domain's rule (SUPERSEDING_ORDER in src/domain/participation.ts: received_on, then id), written here
-- as SQL; test/decisions-in-force.test.ts checks the reports, and so this table, against the domain over random
-- histories. Decisions and withdrawals are append-only, so an insert is all there is to follow.
CREATE TABLE latest_decisions (
  period_id bigint NOT NULL,
  municipality_code text NOT NULL,
  decision_id bigint NOT NULL UNIQUE REFERENCES decisions (id),
  outcome text NOT NULL,
  received_on date NOT NULL,
  first_year integer,
  minimum_total_commitment numeric(14, 2),
  PRIMARY KEY (period_id, municipality_code)
);

INSERT INTO latest_decisions
SELECT DISTINCT ON (d.period_id, d.municipality_code)
  d.period_id, d.municipality_code, d.id, d.outcome, d.received_on, d.first_year, d.minimum_total_commitment
FROM decisions d
WHERE NOT EXISTS (SELECT 1 FROM decision_withdrawals w WHERE w.decision_id = d.id)
ORDER BY d.period_id, d.municipality_code, d.received_on DESC, d.id DESC;

-- New decisions: per municipality, the latest of them replaces the kept one if it supersedes it. Concurrent writers
-- for one municipality meet on its row, and the later in the order wins whichever commits first.
CREATE FUNCTION keep_latest_decisions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO latest_decisions AS l
  SELECT DISTINCT ON (d.period_id, d.municipality_code)
    d.period_id, d.municipality_code, d.id, d.outcome, d.received_on, d.first_year, d.minimum_total_commitment
  FROM recorded d
  ORDER BY d.period_id, d.municipality_code, d.received_on DESC, d.id DESC
  ON CONFLICT (period_id, municipality_code) DO UPDATE SET
    decision_id = excluded.decision_id, outcome = excluded.outcome, received_on = excluded.received_on,
    first_year = excluded.first_year, minimum_total_commitment = excluded.minimum_total_commitment
  WHERE (excluded.received_on, excluded.decision_id) > (l.received_on, l.decision_id);
  RETURN NULL;
END $$;
CREATE TRIGGER decisions_keep_latest AFTER INSERT ON decisions REFERENCING NEW TABLE AS recorded
  FOR EACH STATEMENT EXECUTE FUNCTION keep_latest_decisions();

-- A withdrawn decision that was the latest gives way to the latest one still standing, if any. Each statement sees
-- what has committed by then, so a decision recorded meanwhile is not lost.
CREATE FUNCTION drop_withdrawn_from_latest() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  gone record;
BEGIN
  FOR gone IN
    DELETE FROM latest_decisions l USING withdrawn w WHERE l.decision_id = w.decision_id
    RETURNING l.period_id, l.municipality_code
  LOOP
    INSERT INTO latest_decisions AS l
    SELECT d.period_id, d.municipality_code, d.id, d.outcome, d.received_on, d.first_year, d.minimum_total_commitment
    FROM decisions d
    WHERE d.period_id = gone.period_id AND d.municipality_code = gone.municipality_code
      AND NOT EXISTS (SELECT 1 FROM decision_withdrawals w WHERE w.decision_id = d.id)
    ORDER BY d.received_on DESC, d.id DESC
    LIMIT 1
    ON CONFLICT (period_id, municipality_code) DO UPDATE SET
      decision_id = excluded.decision_id, outcome = excluded.outcome, received_on = excluded.received_on,
      first_year = excluded.first_year, minimum_total_commitment = excluded.minimum_total_commitment
    WHERE (excluded.received_on, excluded.decision_id) > (l.received_on, l.decision_id);
  END LOOP;
  RETURN NULL;
END $$;
CREATE TRIGGER decision_withdrawals_keep_latest AFTER INSERT ON decision_withdrawals REFERENCING NEW TABLE AS withdrawn
  FOR EACH STATEMENT EXECUTE FUNCTION drop_withdrawn_from_latest();

-- Reads answer from it, so a change to it by hand is announced like any other (migrations/0007_data_version.sql).
CREATE TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON latest_decisions
  FOR EACH STATEMENT EXECUTE FUNCTION advance_data_version();
