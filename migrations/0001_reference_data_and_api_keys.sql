-- Counties and municipalities use SCB's codes as keys: they are stable public identifiers
-- and every partner system already speaks them. Codes are text so leading zeros survive.
CREATE TABLE counties (
  code text PRIMARY KEY CHECK (code ~ '^[0-9]{2}$'),
  name text NOT NULL UNIQUE CHECK (name <> '')
);

CREATE TABLE municipalities (
  code text PRIMARY KEY CHECK (code ~ '^[0-9]{4}$'),
  name text NOT NULL CHECK (name <> ''),
  county_code text NOT NULL REFERENCES counties (code),
  -- SCB's municipality code starts with its county code.
  CHECK (left(code, 2) = county_code)
);
CREATE INDEX municipalities_county_code_idx ON municipalities (county_code);

CREATE TABLE api_keys (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  -- SHA-256 of the token: tokens are 256 random bits, so a fast hash is enough and the
  -- token itself is never stored.
  token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
  scopes text[] NOT NULL CHECK (
    cardinality(scopes) > 0
    AND scopes <@ ARRAY['read', 'decisions:write', 'finance:write', 'admin']::text[]
  ),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
-- A name identifies one active key; a revoked key's name may be reused.
CREATE UNIQUE INDEX api_keys_active_name_idx ON api_keys (name) WHERE revoked_at IS NULL;

CREATE TABLE population_figures (
  municipality_code text NOT NULL REFERENCES municipalities (code),
  reference_date date NOT NULL,
  population integer NOT NULL CHECK (population >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- NULL for the reference data shipped with the service.
  updated_by_api_key_id bigint REFERENCES api_keys (id),
  PRIMARY KEY (municipality_code, reference_date)
);
