-- Up Migration

-- API keys become objects of their own: several per merchant and mode, each full-access (`sk_`) or read-only
-- (`rk_`, Stripe's restricted-key prefix), with the time it was created, last used (updated at most once an
-- hour), expires (a rolled key's overlap) and was revoked. Only the SHA-256 hash of a key is stored, as before.
CREATE TABLE api_keys (
  id           uuid PRIMARY KEY,
  merchant_id  text NOT NULL REFERENCES merchants (id),
  mode         text NOT NULL CHECK (mode IN ('test', 'live')),
  access       text NOT NULL CHECK (access IN ('full', 'read')),
  key_hash     text NOT NULL UNIQUE,
  key_prefix   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  expires_at   timestamptz,
  revoked_at   timestamptz,
  -- The prefix names the key's access and mode, so a key shown back (or leaked) says what it can do.
  CONSTRAINT api_keys_prefix_names_access_and_mode
    CHECK (key_prefix LIKE CASE access WHEN 'full' THEN 'sk' ELSE 'rk' END || '\_' || mode || '\_%')
);
CREATE INDEX api_keys_by_merchant ON api_keys (merchant_id, mode, created_at DESC, id DESC);

-- Today's keys carry over in this same transaction: there is no moment in which a merchant's key is in
-- neither place. The old columns stay, read by nothing new, until a later release drops them.
INSERT INTO api_keys (id, merchant_id, mode, access, key_hash, key_prefix, created_at)
SELECT gen_random_uuid(), id, 'test', 'full', test_api_key_hash, test_api_key_prefix, created_at
  FROM merchants WHERE test_api_key_hash IS NOT NULL
UNION ALL
SELECT gen_random_uuid(), id, 'live', 'full', live_api_key_hash, live_api_key_prefix, created_at
  FROM merchants WHERE live_api_key_hash IS NOT NULL;

-- A create-merchant function of the release before this one (still running while a deployment rolls out)
-- writes its keys into the old columns: they are carried into api_keys as they are written, so that merchant's
-- keys work with the new authorizer too.
CREATE FUNCTION api_keys_from_merchant_columns() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO api_keys (id, merchant_id, mode, access, key_hash, key_prefix, created_at)
  SELECT gen_random_uuid(), NEW.id, legacy.mode, 'full', legacy.key_hash, legacy.key_prefix, NEW.created_at
    FROM (VALUES ('test', NEW.test_api_key_hash, NEW.test_api_key_prefix),
                 ('live', NEW.live_api_key_hash, NEW.live_api_key_prefix)) AS legacy (mode, key_hash, key_prefix)
   WHERE legacy.key_hash IS NOT NULL
  ON CONFLICT (key_hash) DO NOTHING;
  RETURN NULL;
END
$$;
CREATE TRIGGER merchants_carry_api_keys AFTER INSERT ON merchants
  FOR EACH ROW EXECUTE FUNCTION api_keys_from_merchant_columns();

-- A merchant's keys live in api_keys now; a new merchant leaves the old columns empty.
ALTER TABLE merchants DROP CONSTRAINT merchants_have_a_key;

-- The authorizer finds keys and notes their use; the API lists, creates, rolls and revokes a merchant's keys.
GRANT SELECT, INSERT ON api_keys TO aspay_api;
GRANT UPDATE (last_used_at, expires_at, revoked_at) ON api_keys TO aspay_api;
-- create-merchant registers a merchant with its first key per mode.
GRANT INSERT ON api_keys TO aspay_onboarding;

-- Down Migration
REVOKE INSERT ON api_keys FROM aspay_onboarding;
REVOKE UPDATE (last_used_at, expires_at, revoked_at) ON api_keys FROM aspay_api;
REVOKE SELECT, INSERT ON api_keys FROM aspay_api;
-- Each merchant keeps, in the old columns, its newest full-access key per mode that is still valid.
UPDATE merchants m SET test_api_key_hash = k.key_hash, test_api_key_prefix = k.key_prefix
  FROM (SELECT DISTINCT ON (merchant_id) merchant_id, key_hash, key_prefix FROM api_keys
         WHERE mode = 'test' AND access = 'full' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
         ORDER BY merchant_id, created_at DESC) k
 WHERE m.id = k.merchant_id AND m.test_api_key_hash IS DISTINCT FROM k.key_hash;
UPDATE merchants m SET live_api_key_hash = k.key_hash, live_api_key_prefix = k.key_prefix
  FROM (SELECT DISTINCT ON (merchant_id) merchant_id, key_hash, key_prefix FROM api_keys
         WHERE mode = 'live' AND access = 'full' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
         ORDER BY merchant_id, created_at DESC) k
 WHERE m.id = k.merchant_id AND m.live_api_key_hash IS DISTINCT FROM k.key_hash;
ALTER TABLE merchants ADD CONSTRAINT merchants_have_a_key
  CHECK (test_api_key_hash IS NOT NULL OR live_api_key_hash IS NOT NULL);
DROP TRIGGER merchants_carry_api_keys ON merchants;
DROP FUNCTION api_keys_from_merchant_columns();
DROP TABLE api_keys;
