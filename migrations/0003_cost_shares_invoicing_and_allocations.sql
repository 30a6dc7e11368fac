-- Municipalities (or admins on their behalf) record their internal cost allocations with their own scope;
-- a key issued to a municipality acts for that municipality only.
ALTER TABLE api_keys ADD COLUMN municipality_code text REFERENCES municipalities (code);
ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check CHECK (
  cardinality(scopes) > 0
  AND scopes <@ ARRAY['read', 'decisions:write', 'finance:write', 'allocations:write', 'admin']::text[]
);

-- The weight of each municipality in a weighted-total period (e.g. its membership fee): its share of the year's
-- budget is weight / sum of all weights. A correction replaces the weight; invoiced years keep theirs.
CREATE TABLE cost_weights (
  period_id bigint NOT NULL REFERENCES recommendation_periods (id),
  municipality_code text NOT NULL REFERENCES municipalities (code),
  weight numeric NOT NULL CHECK (weight > 0 AND weight < 1e12 AND scale(weight) <= 6),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by_api_key_id bigint NOT NULL REFERENCES api_keys (id),
  PRIMARY KEY (period_id, municipality_code)
);

-- A financing year that finance has invoiced: its shares are frozen as invoices, one per participant.
-- Invoiced years, invoices and payments are the record: never changed, never deleted.
CREATE TABLE invoiced_years (
  period_id bigint NOT NULL,
  year integer NOT NULL,
  invoice_date date NOT NULL,
  -- The date whose participation and population the invoices were computed from.
  as_of date NOT NULL,
  locked_at timestamptz NOT NULL DEFAULT now(),
  locked_by_api_key_id bigint NOT NULL REFERENCES api_keys (id),
  PRIMARY KEY (period_id, year),
  FOREIGN KEY (period_id, year) REFERENCES recommendation_period_years (period_id, year)
);

CREATE TABLE invoices (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  period_id bigint NOT NULL,
  year integer NOT NULL,
  municipality_code text NOT NULL REFERENCES municipalities (code),
  reference text NOT NULL UNIQUE CHECK (reference <> ''),
  invoice_date date NOT NULL,
  amount numeric(14, 2) NOT NULL CHECK (amount >= 0),
  exact_amount numeric(24, 10) NOT NULL CHECK (exact_amount >= 0),
  -- What the amount was computed from, as it stood when the year was invoiced.
  population integer CHECK (population >= 0),
  population_date date,
  weight numeric CHECK (weight > 0),
  rate_per_inhabitant numeric,
  index_adjustment numeric NOT NULL CHECK (index_adjustment > 0),
  decision_id bigint NOT NULL REFERENCES decisions (id),
  UNIQUE (period_id, year, municipality_code),
  FOREIGN KEY (period_id, year) REFERENCES invoiced_years (period_id, year),
  CHECK ((population IS NULL) = (population_date IS NULL)),
  CHECK ((population IS NULL) <> (weight IS NULL)),
  CHECK ((rate_per_inhabitant IS NULL) = (population IS NULL))
);
CREATE INDEX invoices_municipality_idx ON invoices (municipality_code);

CREATE TABLE invoice_payments (
  invoice_id bigint PRIMARY KEY REFERENCES invoices (id),
  paid_on date NOT NULL,
  payment_reference text CHECK (payment_reference <> ''),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  recorded_by_api_key_id bigint NOT NULL REFERENCES api_keys (id)
);

-- A municipality's internal split of its share in a period. Each change is a new version; the latest counts.
CREATE TABLE cost_allocations (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  municipality_code text NOT NULL REFERENCES municipalities (code),
  period_id bigint NOT NULL REFERENCES recommendation_periods (id),
  version integer NOT NULL CHECK (version > 0),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  recorded_by_api_key_id bigint NOT NULL REFERENCES api_keys (id),
  UNIQUE (municipality_code, period_id, version)
);

CREATE TABLE cost_allocation_areas (
  allocation_id bigint NOT NULL REFERENCES cost_allocations (id),
  position integer NOT NULL CHECK (position >= 0),
  area text NOT NULL CHECK (area <> ''),
  committee text CHECK (committee <> ''),
  percent numeric(5, 2) NOT NULL CHECK (percent > 0 AND percent <= 100),
  PRIMARY KEY (allocation_id, position),
  UNIQUE (allocation_id, area)
);

-- A split adds up to 100 %: checked when the transaction that writes it commits.
CREATE FUNCTION check_allocation_total() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT sum(percent) FROM cost_allocation_areas WHERE allocation_id = NEW.allocation_id) <> 100 THEN
    RAISE EXCEPTION 'the areas of cost allocation % do not add up to 100 %%', NEW.allocation_id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER cost_allocation_areas_total AFTER INSERT ON cost_allocation_areas
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_allocation_total();

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['invoiced_years', 'invoices', 'invoice_payments', 'cost_allocations', 'cost_allocation_areas'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION refuse_change_of_record()', t || '_append_only', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_record()', t || '_no_truncate', t);
  END LOOP;
END
$$;
