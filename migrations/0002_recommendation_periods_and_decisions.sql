-- SKR's recommendations. Money is numeric in SEK (exact, two decimals for amounts); the rate and
-- the index adjustments keep the precision they were given in.
CREATE TABLE recommendation_periods (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_number text NOT NULL UNIQUE CHECK (case_number ~ '^[0-9]{2}/[0-9]{5}$'),
  title text NOT NULL CHECK (title <> ''),
  board_decision_date date,
  first_year integer NOT NULL CHECK (first_year BETWEEN 2000 AND 2100),
  last_year integer NOT NULL CHECK (last_year BETWEEN 2000 AND 2100),
  annual_budget numeric(14, 2) NOT NULL CHECK (annual_budget >= 0),
  cost_model text NOT NULL CHECK (cost_model IN ('per_inhabitant', 'weighted_total')),
  rate_per_inhabitant numeric CHECK (rate_per_inhabitant > 0 AND scale(rate_per_inhabitant) <= 4),
  population_reference_date date,
  rounding_unit text NOT NULL CHECK (rounding_unit IN ('krona', 'ore')),
  rounding_mode text NOT NULL CHECK (rounding_mode IN ('half_away_from_zero', 'half_to_even')),
  notes text,
  -- Bumped by every update; the entity tag for If-Match.
  version integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- NULL for the periods shipped as reference data.
  updated_by_api_key_id bigint REFERENCES api_keys (id),
  CHECK (last_year >= first_year),
  -- A per-inhabitant cost needs its rate and the date of the population it multiplies.
  CHECK (cost_model <> 'per_inhabitant' OR (rate_per_inhabitant IS NOT NULL AND population_reference_date IS NOT NULL)),
  CHECK (cost_model <> 'weighted_total' OR rate_per_inhabitant IS NULL)
);

-- One row for every financing year of a period, first to last.
CREATE TABLE recommendation_period_years (
  period_id bigint NOT NULL REFERENCES recommendation_periods (id),
  year integer NOT NULL,
  index_adjustment numeric NOT NULL DEFAULT 1 CHECK (index_adjustment > 0 AND scale(index_adjustment) <= 6),
  -- NULL: decisions received before the year begins count for it.
  join_deadline date CHECK (join_deadline < make_date(year + 1, 1, 1)),
  PRIMARY KEY (period_id, year)
);

CREATE TABLE recommendation_period_budget_lines (
  period_id bigint NOT NULL REFERENCES recommendation_periods (id),
  kind text NOT NULL CHECK (kind IN ('quality_registers', 'user_surveys_and_follow_up', 'coordination', 'support_function')),
  description text NOT NULL CHECK (description <> ''),
  -- NULL when the recommendation does not say how much of the budget the line gets.
  annual_amount numeric(14, 2) CHECK (annual_amount >= 0),
  PRIMARY KEY (period_id, kind)
);

-- Decisions are the registrar's record: never changed, never deleted. A later decision supersedes an
-- earlier one; one registered in error is withdrawn by a row in decision_withdrawals.
CREATE TABLE decisions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  period_id bigint NOT NULL REFERENCES recommendation_periods (id),
  municipality_code text NOT NULL REFERENCES municipalities (code),
  outcome text NOT NULL CHECK (outcome IN ('adopted', 'declined')),
  decided_on date NOT NULL,
  decided_by text NOT NULL CHECK (decided_by <> ''),
  municipal_case_number text CHECK (municipal_case_number <> ''),
  minute_paragraph text CHECK (minute_paragraph <> ''),
  received_on date NOT NULL,
  conditions text CHECK (conditions <> ''),
  minimum_total_commitment numeric(14, 2) CHECK (minimum_total_commitment > 0),
  document_url text CHECK (document_url ~ '^https?://'),
  requested_first_year integer,
  -- The first year of participation, fixed from the deadlines when the decision was recorded.
  first_year integer,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  recorded_by_api_key_id bigint NOT NULL REFERENCES api_keys (id),
  CHECK (received_on >= decided_on),
  CHECK ((outcome = 'adopted') = (first_year IS NOT NULL)),
  CHECK (outcome = 'adopted' OR (conditions IS NULL AND minimum_total_commitment IS NULL AND requested_first_year IS NULL)),
  CHECK (requested_first_year IS NULL OR requested_first_year = first_year),
  -- A participant's first year is a year of its period, so a period cannot lose a year someone joined in.
  FOREIGN KEY (period_id, first_year) REFERENCES recommendation_period_years (period_id, year)
);
-- The latest decision per municipality and period, as of any date.
CREATE INDEX decisions_latest_idx ON decisions (period_id, municipality_code, received_on, id);
CREATE INDEX decisions_municipality_idx ON decisions (municipality_code);
CREATE INDEX decisions_recorded_at_idx ON decisions (recorded_at);

CREATE TABLE decision_withdrawals (
  decision_id bigint PRIMARY KEY REFERENCES decisions (id),
  reason text NOT NULL CHECK (reason <> ''),
  withdrawn_at timestamptz NOT NULL DEFAULT now(),
  withdrawn_by_api_key_id bigint NOT NULL REFERENCES api_keys (id)
);
CREATE INDEX decision_withdrawals_withdrawn_at_idx ON decision_withdrawals (withdrawn_at);

CREATE FUNCTION refuse_change_of_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: rows are never changed or deleted', TG_TABLE_NAME
    USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER decisions_append_only BEFORE UPDATE OR DELETE ON decisions
  FOR EACH ROW EXECUTE FUNCTION refuse_change_of_record();
CREATE TRIGGER decisions_no_truncate BEFORE TRUNCATE ON decisions
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_record();
CREATE TRIGGER decision_withdrawals_append_only BEFORE UPDATE OR DELETE ON decision_withdrawals
  FOR EACH ROW EXECUTE FUNCTION refuse_change_of_record();
CREATE TRIGGER decision_withdrawals_no_truncate BEFORE TRUNCATE ON decision_withdrawals
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_record();

-- The outcome of every POST sent with an Idempotency-Key, per API key, so a retry gets the same answer.
-- The row is claimed in the same transaction as the write it guards: a concurrent duplicate waits on
-- the claim and then replays, so it can never write a second time.
CREATE TABLE idempotency_keys (
  api_key_id bigint NOT NULL REFERENCES api_keys (id),
  key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  request_hash bytea NOT NULL CHECK (octet_length(request_hash) = 32),
  response_status integer CHECK (response_status BETWEEN 200 AND 299),
  response_headers jsonb,
  response_body text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (api_key_id, key)
);
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
