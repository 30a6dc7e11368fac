-- The audit trail: one row per write made through the API, in the same transaction as the write itself, so no
-- write exists without its record and no record without its write. Append-only, like the records it describes.
CREATE TABLE audit_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  api_key_id bigint NOT NULL REFERENCES api_keys (id),
  request_id text NOT NULL CHECK (length(request_id) BETWEEN 1 AND 64),
  operation_id text NOT NULL CHECK (operation_id ~ '^[A-Za-z]+$'),
  method text NOT NULL CHECK (method IN ('POST', 'PUT')),
  path text NOT NULL CHECK (length(path) BETWEEN 1 AND 2048),
  status integer NOT NULL CHECK (status BETWEEN 200 AND 299),
  -- SHA-256 of the method, URL and body: identifies the exact request without keeping its content.
  request_sha256 bytea NOT NULL CHECK (octet_length(request_sha256) = 32)
);
CREATE INDEX audit_events_api_key_idx ON audit_events (api_key_id, id);
CREATE INDEX audit_events_occurred_at_idx ON audit_events (occurred_at);

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION refuse_change_of_record();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_record();
