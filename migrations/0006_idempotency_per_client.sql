-- Idempotency keys belong to the client a key is issued to, named by the key's name (one active key per name), not
-- to the key itself: a registrar whose key is rotated (revoked and issued anew under the same name) and who then
-- retries an old request gets the old answer back instead of recording it twice. Stripe scopes them to the
-- account, not the secret, for the same reason. `api_key_id` still says which key made the request.
ALTER TABLE idempotency_keys ADD COLUMN client text;
UPDATE idempotency_keys i SET client = k.name FROM api_keys k WHERE k.id = i.api_key_id;
ALTER TABLE idempotency_keys ALTER COLUMN client SET NOT NULL;
-- Two keys of one client that used the same Idempotency-Key within the day: the newer outcome is the one kept.
DELETE FROM idempotency_keys i USING idempotency_keys newer
  WHERE newer.client = i.client AND newer.key = i.key AND (newer.created_at, newer.api_key_id) > (i.created_at, i.api_key_id);
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (client, key);
