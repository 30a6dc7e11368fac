-- The data version: every transaction that changes data advances it once and announces it, so each instance of the
-- service can serve reports from memory until the data changes, and learns within milliseconds when it has
-- (src/db/changes.ts). Statement triggers, not the application, so reference-data loads, migrations and manual SQL
-- count as well as API writes.
--
-- A sequence, not a counter row: nextval takes no row lock, so concurrent writers never queue behind each other's
-- open transactions. Its value is not rolled back with a failed transaction; a gap only means a version nobody
-- heard of. NOTIFY is delivered at commit, in commit order, and not at all for a transaction that rolls back. The
-- payload carries the writing transaction's id, so an instance reading from a replica can tell whether the replica
-- has replayed the last change it heard of (pg_visible_in_snapshot).
--
-- The price: PostgreSQL serialises the commits of notifying transactions on one lock (async.c, PreCommit_Notify).
-- On this project's machine pgbench's insert-and-commit went from 6,900 to 3,000 transactions/s at 50 clients with
-- the NOTIFY added; the API's ingest runs far below either.
CREATE SEQUENCE data_version;

-- Callable by itself after a change no trigger sees (a schema change by hand; migrations call it, src/db/migrate.ts).
CREATE FUNCTION note_data_change() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  -- Once per transaction: the setting is local to it, so the next transaction finds it empty again.
  IF coalesce(current_setting('joint_financing.data_version', true), '') = '' THEN
    PERFORM set_config('joint_financing.data_version', nextval('data_version')::text, true);
    PERFORM pg_notify('data_changed',
      current_setting('joint_financing.data_version') || ' ' || pg_current_xact_id()::text);
  END IF;
END $$;

CREATE FUNCTION advance_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM note_data_change();
  RETURN NULL;
END $$;

-- API keys have their own channel: the key cache drops its entries on a key change, and the report caches need not.
-- The same payload from every statement of a transaction is delivered once.
CREATE FUNCTION announce_api_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('api_keys_changed', pg_current_xact_id()::text);
  RETURN NULL;
END $$;

CREATE TRIGGER api_keys_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION announce_api_key_change();

-- Every table a read answers from. idempotency_keys is left out: it holds stored answers, not data, and is written
-- only together with a change that advances the version. test/data-version.test.ts fails on a table that is in
-- neither list, so a new table cannot be forgotten.
DO $$
DECLARE
  name text;
BEGIN
  FOREACH name IN ARRAY ARRAY[
    'counties', 'municipalities', 'population_figures', 'recommendation_periods', 'recommendation_period_years',
    'recommendation_period_budget_lines', 'decisions', 'decision_withdrawals', 'cost_weights', 'invoiced_years',
    'invoices', 'invoice_payments', 'cost_allocations', 'cost_allocation_areas', 'quality_registers',
    'register_allocation_plans', 'register_allocations', 'register_payouts', 'register_payout_events', 'audit_events'
  ] LOOP
    EXECUTE format('CREATE TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
      FOR EACH STATEMENT EXECUTE FUNCTION advance_data_version()', name);
  END LOOP;
END $$;
