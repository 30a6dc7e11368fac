-- Idempotency keys belong to the client a key is issued to, not to the key itself: a registrar whose key is rotated
-- (`npm run api-key -- rotate`, which gives the new key the old one's client) and who then retries an old request
-- gets the old answer back instead of recording it twice. Stripe scopes them to the account, not the secret, for the
-- same reason. A client is not its name: a name freed by a revocation may go to another client, who must not inherit
-- the first one's answers. `api_key_id` still says which key made the request.
ALTER TABLE api_keys ADD COLUMN client uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE idempotency_keys ADD COLUMN client uuid;
UPDATE idempotency_keys i SET client = k.client FROM api_keys k WHERE k.id = i.api_key_id;
ALTER TABLE idempotency_keys ALTER COLUMN client SET NOT NULL;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (client, key);
