-- The event feed: one row per write made through the API, in the write's own transaction (src/http/write.ts), so an
-- event exists exactly when its change committed. It is the outbox the webhook deliveries read, too.
--
-- Ordered by the writing transaction, not by id: ids are taken before commit, so a slow transaction can commit an id
-- smaller than one a reader has already passed. A reader therefore takes only events of transactions older than every
-- transaction still running (transaction_id < pg_snapshot_xmin(pg_current_snapshot())), in (transaction_id, id)
-- order: every event that commits later belongs to a running or later transaction, whose id is at least that horizon,
-- so it sorts after everything already read and no cursor ever skips it (src/queries/events.ts).
CREATE TABLE events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  occurred_at timestamptz NOT NULL DEFAULT now(),
  type text NOT NULL CHECK (type ~ '^[a-z_]+\.[a-z_]+$'),
  resource_url text NOT NULL CHECK (length(resource_url) BETWEEN 1 AND 2048),
  -- The resource's new state exactly as the write answered it (json keeps the bytes; jsonb would reorder them).
  data json NOT NULL,
  -- Who made it and with which request: the audit trail's event, for admins.
  audit_event_id bigint NOT NULL REFERENCES audit_events (id)
);
CREATE INDEX events_feed_order_idx ON events (transaction_id, id);
CREATE INDEX events_occurred_at_idx ON events (occurred_at);

-- Kept for 30 days at least (pruned after 35, src/queries/events.ts): only the oldest may go, never an event's content.
CREATE FUNCTION refuse_change_of_recent_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND OLD.occurred_at < now() - interval '30 days' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'events are kept as they were for 30 days: % refused', TG_OP USING ERRCODE = 'P0001';
END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION refuse_change_of_recent_event();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_record();

-- A webhook endpoint is a cursor over the feed: the position of the last event delivered (or, when new, where the feed
-- stood when it was made). Deliveries are in feed order, one event at a time; the head event is retried until it is
-- taken, so a later event never overtakes an earlier one. An instance leases an endpoint (lease_owner, leased_until)
-- in a short transaction of its own before it delivers: two instances never send one endpoint's event at once, and
-- the lease of an instance that died runs out.
CREATE TABLE webhook_endpoints (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The API key's client that made it: only that client reads, deletes and sees the deliveries of it.
  client text NOT NULL,
  url text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2048),
  event_types text[] NOT NULL CHECK (cardinality(event_types) BETWEEN 1 AND 50),
  description text CHECK (length(description) <= 200),
  -- Standard Webhooks' symmetric secret (whsec_ + base64): kept, since each delivery is signed with it.
  secret text NOT NULL CHECK (secret ~ '^whsec_[A-Za-z0-9+/]+=*$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by bigint NOT NULL REFERENCES api_keys (id),
  deleted_at timestamptz,
  after_transaction_id xid8 NOT NULL,
  after_event_id bigint NOT NULL DEFAULT 0,
  -- The head event's consecutive failed attempts, since when it has failed, and when to try again.
  failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  failing_since timestamptz,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_owner text,
  leased_until timestamptz,
  disabled_at timestamptz,
  disabled_reason text CHECK (length(disabled_reason) <= 500),
  CHECK ((disabled_at IS NULL) = (disabled_reason IS NULL))
);
CREATE INDEX webhook_endpoints_due_idx ON webhook_endpoints (next_attempt_at)
  WHERE deleted_at IS NULL AND disabled_at IS NULL;
CREATE INDEX webhook_endpoints_client_idx ON webhook_endpoints (client, id);

-- The delivery log: every attempt, with what the receiver answered. One attempt of an event to an endpoint is made
-- once: a second instance recording the same attempt fails here.
CREATE TABLE webhook_deliveries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  endpoint_id bigint NOT NULL REFERENCES webhook_endpoints (id),
  event_id bigint NOT NULL,
  event_type text NOT NULL,
  attempt integer NOT NULL CHECK (attempt >= 1),
  attempted_at timestamptz NOT NULL,
  duration_ms integer NOT NULL CHECK (duration_ms >= 0),
  response_status integer CHECK (response_status BETWEEN 100 AND 599),
  error text CHECK (length(error) <= 500),
  delivered boolean NOT NULL,
  UNIQUE (endpoint_id, event_id, attempt)
);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_attempted_at_idx ON webhook_deliveries (attempted_at);

-- Removing an endpoint is a write through the API like any other, and is audited.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_method_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_method_check CHECK (method IN ('POST', 'PUT', 'DELETE'));
