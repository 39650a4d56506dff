-- Up Migration

-- An operator disables a merchant (`npx aspay merchants disable`): its API keys stop authenticating, while its
-- payments already accepted still finish (the consumers never look at it). Enabling clears it.
ALTER TABLE merchants ADD COLUMN disabled_at timestamptz;

-- Down Migration
ALTER TABLE merchants DROP COLUMN disabled_at;
