-- record_write (0012) for many writes at once: element i of every array is write i's, as record_write took them, and
-- p_kept is shared. Writes committed together (src/http/group-commit.ts) are recorded by three multi-row inserts
-- instead of three inserts each, so the statement triggers of those tables (the data version's among them) fire once
-- per commit instead of once per write. A transaction's write passes arrays of one.
--
-- It raises JF001 when any of the keys was claimed by an earlier request: nothing of the statement is then kept, and
-- each write of the group is made again by itself (src/db/together.ts), so only the duplicate replays. Two writes with
-- one key in one group make PostgreSQL refuse the claim (21000, "cannot affect row a second time"), which ends the
-- same way: alone, the second waits on the first's claim and replays it.
CREATE FUNCTION record_writes(
  p_clients uuid[],
  p_api_key_ids bigint[],
  p_keys text[],
  p_request_sha256s bytea[],
  p_statuses integer[],
  p_headers jsonb[],
  p_bodies text[],
  p_request_ids text[],
  p_operation_ids text[],
  p_methods text[],
  p_paths text[],
  p_event_types text[],
  p_resource_urls text[],
  p_kept interval
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  wanted bigint := (SELECT count(*) FROM unnest(p_keys) AS k WHERE k IS NOT NULL);
  claimed bigint;
BEGIN
  IF wanted > 0 THEN
    INSERT INTO idempotency_keys AS i
      (client, api_key_id, key, request_hash, response_status, response_headers, response_body)
    SELECT w.client, w.api_key_id, w.key, w.request_sha256, w.status, w.headers, w.body
    FROM unnest(p_clients, p_api_key_ids, p_keys, p_request_sha256s, p_statuses, p_headers, p_bodies)
      AS w (client, api_key_id, key, request_sha256, status, headers, body)
    WHERE w.key IS NOT NULL
    ON CONFLICT (client, key) DO UPDATE SET
      api_key_id = excluded.api_key_id, request_hash = excluded.request_hash,
      response_status = excluded.response_status, response_headers = excluded.response_headers,
      response_body = excluded.response_body, created_at = now()
    WHERE i.created_at < now() - p_kept;
    GET DIAGNOSTICS claimed = ROW_COUNT;
    IF claimed < wanted THEN
      -- Which key is not said: the group may hold other clients' keys, and alone each write finds out its own.
      RAISE EXCEPTION 'An Idempotency-Key was claimed by an earlier request' USING ERRCODE = 'JF001';
    END IF;
  END IF;
  -- Each audit event's id is taken first, so that the feed's event of the same write can name it.
  WITH w AS (
    SELECT nextval(pg_get_serial_sequence('audit_events', 'id')) AS audit_id, w.*
    FROM unnest(p_api_key_ids, p_request_ids, p_operation_ids, p_methods, p_paths, p_statuses, p_request_sha256s,
      p_event_types, p_resource_urls, p_bodies) WITH ORDINALITY
      AS w (api_key_id, request_id, operation_id, method, path, status, request_sha256, event_type, resource_url, body, n)
  ), audited AS (
    INSERT INTO audit_events (id, api_key_id, request_id, operation_id, method, path, status, request_sha256)
    OVERRIDING SYSTEM VALUE
    SELECT audit_id, api_key_id, request_id, operation_id, method, path, status, request_sha256 FROM w ORDER BY n
  )
  INSERT INTO events (type, resource_url, data, audit_event_id)
  SELECT event_type, resource_url, body::json, audit_id FROM w WHERE event_type IS NOT NULL ORDER BY n;
END $$;

DROP FUNCTION record_write(uuid, bigint, text, bytea, integer, jsonb, text, text, text, text, text, text, text, interval);
