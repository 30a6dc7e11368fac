-- The national quality registers the register budget line pays for, and who to pay.
CREATE TABLE quality_registers (
  code text PRIMARY KEY CHECK (code ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(code) <= 40),
  name text NOT NULL CHECK (name <> ''),
  short_name text NOT NULL UNIQUE CHECK (short_name <> ''),
  organisation text CHECK (organisation <> ''),
  payee_name text CHECK (payee_name <> ''),
  organisation_number text CHECK (organisation_number ~ '^[0-9]{6}-[0-9]{4}$'),
  bankgiro text CHECK (bankgiro ~ '^[0-9]{3,4}-[0-9]{4}$'),
  plusgiro text CHECK (plusgiro ~ '^[0-9]{1,7}-[0-9]$'),
  notes text CHECK (notes <> ''),
  version integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by_api_key_id bigint REFERENCES api_keys (id),
  -- Payee details are complete or absent: a name, an organisation number and an account to pay into.
  CHECK ((payee_name IS NULL AND organisation_number IS NULL AND bankgiro IS NULL AND plusgiro IS NULL)
    OR (payee_name IS NOT NULL AND organisation_number IS NOT NULL AND (bankgiro IS NOT NULL OR plusgiro IS NOT NULL)))
);

-- How a year's register money is split between the registers. Each change is a new version; the latest counts,
-- and it never allocates a register less than its payouts already take.
CREATE TABLE register_allocation_plans (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  period_id bigint NOT NULL,
  year integer NOT NULL,
  version integer NOT NULL CHECK (version > 0),
  basis text NOT NULL CHECK (basis IN ('share_of_line', 'fixed_amount')),
  scaled_to_collected boolean NOT NULL,
  -- What the amounts were computed from, as it stood when the plan was recorded.
  line_amount numeric(14, 2) CHECK (line_amount >= 0),
  budget numeric(24, 10) NOT NULL CHECK (budget >= 0),
  collected numeric(14, 2) CHECK (collected >= 0),
  total numeric(14, 2) NOT NULL CHECK (total >= 0),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  recorded_by_api_key_id bigint NOT NULL REFERENCES api_keys (id),
  UNIQUE (period_id, year, version),
  FOREIGN KEY (period_id, year) REFERENCES recommendation_period_years (period_id, year),
  CHECK (basis <> 'share_of_line' OR line_amount IS NOT NULL),
  CHECK (scaled_to_collected = (collected IS NOT NULL))
);

CREATE TABLE register_allocations (
  plan_id bigint NOT NULL REFERENCES register_allocation_plans (id),
  register_code text NOT NULL REFERENCES quality_registers (code),
  percent numeric(7, 4) CHECK (percent > 0 AND percent <= 100),
  fixed_amount numeric(14, 2) CHECK (fixed_amount > 0),
  amount numeric(14, 2) NOT NULL CHECK (amount >= 0),
  PRIMARY KEY (plan_id, register_code),
  CHECK ((percent IS NULL) <> (fixed_amount IS NULL))
);

-- A plan's allocations add up to its total: checked when the transaction that writes it commits.
CREATE FUNCTION check_register_allocation_total() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT sum(amount) FROM register_allocations WHERE plan_id = NEW.plan_id)
     <> (SELECT total FROM register_allocation_plans WHERE id = NEW.plan_id) THEN
    RAISE EXCEPTION 'the allocations of register allocation plan % do not add up to its total', NEW.plan_id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER register_allocations_total AFTER INSERT ON register_allocations
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_register_allocation_total();

-- Money paid out to a register for a year. Only the status moves, and only forward (see the trigger below);
-- every move is kept in register_payout_events. Nothing is deleted.
CREATE TABLE register_payouts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  period_id bigint NOT NULL,
  year integer NOT NULL,
  register_code text NOT NULL REFERENCES quality_registers (code),
  amount numeric(14, 2) NOT NULL CHECK (amount > 0),
  status text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'approved', 'paid', 'cancelled')),
  paid_on date,
  payment_reference text CHECK (payment_reference <> ''),
  note text CHECK (note <> ''),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (period_id, year) REFERENCES recommendation_period_years (period_id, year),
  CHECK ((status = 'paid') = (paid_on IS NOT NULL)),
  CHECK ((status = 'paid') = (payment_reference IS NOT NULL))
);
CREATE INDEX register_payouts_year_idx ON register_payouts (period_id, year, register_code);

CREATE TABLE register_payout_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  payout_id bigint NOT NULL REFERENCES register_payouts (id),
  status text NOT NULL CHECK (status IN ('planned', 'approved', 'paid', 'cancelled')),
  reason text CHECK (reason <> ''),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  recorded_by_api_key_id bigint NOT NULL REFERENCES api_keys (id)
);
CREATE INDEX register_payout_events_payout_idx ON register_payout_events (payout_id);

-- planned → approved → paid, and planned or approved → cancelled; what a payout is for never changes.
CREATE FUNCTION check_payout_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'register payouts are never deleted; cancel one instead' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF (NEW.id, NEW.period_id, NEW.year, NEW.register_code, NEW.amount, NEW.note, NEW.created_at)
     IS DISTINCT FROM (OLD.id, OLD.period_id, OLD.year, OLD.register_code, OLD.amount, OLD.note, OLD.created_at)
     OR NOT ((OLD.status = 'planned' AND NEW.status IN ('approved', 'cancelled'))
          OR (OLD.status = 'approved' AND NEW.status IN ('paid', 'cancelled'))) THEN
    RAISE EXCEPTION 'register payout %: % → % is not an allowed change', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER register_payouts_transitions BEFORE UPDATE OR DELETE ON register_payouts
  FOR EACH ROW EXECUTE FUNCTION check_payout_change();

-- No register's payouts (all but cancelled ones) exceed its allocation in the year's latest plan. Writers lock the
-- financing year's row first, so concurrent writes to one year are checked one after the other, each seeing the
-- ones before it: the service's own check runs under the same lock, and this is the last guard behind it.
CREATE FUNCTION check_payouts_within_allocation() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  over record;
BEGIN
  PERFORM 1 FROM recommendation_period_years WHERE period_id = NEW.period_id AND year = NEW.year FOR NO KEY UPDATE;
  SELECT p.register_code, p.committed, coalesce(a.amount, 0) AS allocated INTO over
  FROM (SELECT register_code, sum(amount) AS committed FROM register_payouts
        WHERE period_id = NEW.period_id AND year = NEW.year AND status <> 'cancelled' GROUP BY register_code) p
  LEFT JOIN register_allocations a ON a.register_code = p.register_code AND a.plan_id = (
    SELECT id FROM register_allocation_plans WHERE period_id = NEW.period_id AND year = NEW.year ORDER BY version DESC LIMIT 1)
  WHERE p.committed > coalesce(a.amount, 0)
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'payouts to register % for % take % of an allocation of %', over.register_code, NEW.year, over.committed, over.allocated
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER register_payouts_within_allocation AFTER INSERT OR UPDATE ON register_payouts
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_payouts_within_allocation();
CREATE CONSTRAINT TRIGGER register_allocation_plans_cover_payouts AFTER INSERT ON register_allocation_plans
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_payouts_within_allocation();

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['register_allocation_plans', 'register_allocations', 'register_payout_events'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION refuse_change_of_record()', t || '_append_only', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_record()', t || '_no_truncate', t);
  END LOOP;
END
$$;
CREATE TRIGGER register_payouts_no_truncate BEFORE TRUNCATE ON register_payouts
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_record();
