-- Organisation numbers (organisationsnummer, NNNNNN-NNNN): e-invoices address a municipality in Peppol as
-- 0007:<its ten digits>. Nullable, since a municipality added by hand may have none yet; an e-invoice to one is
-- refused. Their check digit is checked where they are loaded (src/domain/organisation-numbers.ts).
ALTER TABLE municipalities
  ADD COLUMN organisation_number text UNIQUE CHECK (organisation_number ~ '^[0-9]{6}-[0-9]{4}$');

-- A settlement of an invoiced year: for every municipality whose current share differs from what it has been
-- invoiced for the year (its invoice and the adjustments before), one adjustment: a credit note for a credit, a
-- supplementary invoice for a debit. Afterwards the invoice and its adjustments add up to the share as it stood
-- on `as_of`. Settlements and adjustments are the record: never changed, never deleted.
CREATE TABLE settlements (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  period_id bigint NOT NULL,
  year integer NOT NULL,
  -- The date the adjustments carry.
  invoice_date date NOT NULL,
  -- The date whose participation and population the current shares were computed from: the day of settling.
  as_of date NOT NULL,
  settled_at timestamptz NOT NULL DEFAULT now(),
  settled_by_api_key_id bigint NOT NULL REFERENCES api_keys (id),
  substitute_population_decided_by text CHECK (substitute_population_decided_by <> ''),
  substitute_population_reason text CHECK (substitute_population_reason <> ''),
  FOREIGN KEY (period_id, year) REFERENCES invoiced_years (period_id, year),
  CHECK ((substitute_population_decided_by IS NULL) = (substitute_population_reason IS NULL))
);
CREATE INDEX settlements_year_idx ON settlements (period_id, year);

CREATE TABLE adjustments (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  settlement_id bigint NOT NULL REFERENCES settlements (id),
  period_id bigint NOT NULL,
  year integer NOT NULL,
  municipality_code text NOT NULL REFERENCES municipalities (code),
  -- The invoice it corrects; null for a municipality that joined after its year was invoiced.
  invoice_id bigint REFERENCES invoices (id),
  -- The municipality's n-th adjustment of the year: its reference is the invoice's with "-n".
  sequence integer NOT NULL CHECK (sequence > 0),
  reference text NOT NULL UNIQUE CHECK (reference <> ''),
  kind text NOT NULL CHECK (kind IN ('credit_note', 'supplementary_invoice')),
  invoice_date date NOT NULL,
  -- What is refunded (credit note) or charged (supplementary invoice), rounded as the period says, as a magnitude:
  -- the kind gives the direction. And the exact difference in that direction, negative only where a weight split's
  -- largest remainder moved the rounded share against the exact one (src/domain/settlements.ts).
  amount numeric(14, 2) NOT NULL CHECK (amount > 0),
  exact_amount numeric(24, 10) NOT NULL,
  -- What it was computed from: the invoice and earlier adjustments together, and the share as it now stands.
  previously_invoiced numeric(14, 2) NOT NULL CHECK (previously_invoiced >= 0),
  previously_invoiced_exact numeric(24, 10) NOT NULL CHECK (previously_invoiced_exact >= 0),
  share_amount numeric(14, 2) NOT NULL CHECK (share_amount >= 0),
  share_exact_amount numeric(24, 10) NOT NULL CHECK (share_exact_amount >= 0),
  population integer CHECK (population >= 0),
  population_date date,
  population_basis text CHECK (population_basis IN ('reference_date', 'substitute')),
  weight numeric CHECK (weight > 0),
  rate_per_inhabitant numeric,
  index_adjustment numeric NOT NULL CHECK (index_adjustment > 0),
  -- The adoption it takes part by now; null when it no longer takes part.
  decision_id bigint REFERENCES decisions (id),
  UNIQUE (period_id, year, municipality_code, sequence),
  FOREIGN KEY (period_id, year) REFERENCES invoiced_years (period_id, year),
  -- Invoice and adjustments add up to the share, to the öre.
  CHECK (share_amount = previously_invoiced + CASE kind WHEN 'credit_note' THEN -amount ELSE amount END),
  CHECK ((kind = 'credit_note') = (share_amount < previously_invoiced)),
  CHECK ((population IS NULL) = (population_date IS NULL)),
  CHECK (population_basis IS NULL OR population IS NOT NULL)
);
CREATE INDEX adjustments_settlement_idx ON adjustments (settlement_id);
CREATE INDEX adjustments_municipality_idx ON adjustments (municipality_code);

-- A supplementary invoice paid, or a credit note refunded (or offset), once.
CREATE TABLE adjustment_payments (
  adjustment_id bigint PRIMARY KEY REFERENCES adjustments (id),
  paid_on date NOT NULL,
  payment_reference text CHECK (payment_reference <> ''),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  recorded_by_api_key_id bigint NOT NULL REFERENCES api_keys (id)
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['settlements', 'adjustments', 'adjustment_payments'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION refuse_change_of_record()', t || '_append_only', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_record()', t || '_no_truncate', t);
    -- Reads answer from them (migrations/0007_data_version.sql).
    EXECUTE format('CREATE TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
      FOR EACH STATEMENT EXECUTE FUNCTION advance_data_version()', t);
  END LOOP;
END $$;
