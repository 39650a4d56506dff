-- Up Migration

-- The trigger that carries keys written to the old merchants columns (by the previous release's create-merchant,
-- during a rollout) into api_keys runs as that function's role, aspay_onboarding, which may insert into api_keys
-- but not read it, and an INSERT … ON CONFLICT reads the conflict target: every merchant registration failed.
-- It now runs as the owner of the schema (SECURITY DEFINER, with a fixed search_path), and only for a row that
-- has an old-style key at all.
CREATE OR REPLACE FUNCTION api_keys_from_merchant_columns() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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
REVOKE ALL ON FUNCTION api_keys_from_merchant_columns() FROM PUBLIC;
DROP TRIGGER merchants_carry_api_keys ON merchants;
CREATE TRIGGER merchants_carry_api_keys AFTER INSERT ON merchants
  FOR EACH ROW WHEN (NEW.test_api_key_hash IS NOT NULL OR NEW.live_api_key_hash IS NOT NULL)
  EXECUTE FUNCTION api_keys_from_merchant_columns();

-- Down Migration
DROP TRIGGER merchants_carry_api_keys ON merchants;
CREATE OR REPLACE FUNCTION api_keys_from_merchant_columns() RETURNS trigger LANGUAGE plpgsql SECURITY INVOKER AS $$
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
ALTER FUNCTION api_keys_from_merchant_columns() RESET search_path;
CREATE TRIGGER merchants_carry_api_keys AFTER INSERT ON merchants
  FOR EACH ROW EXECUTE FUNCTION api_keys_from_merchant_columns();
