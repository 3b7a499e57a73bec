-- +goose Up
-- The purge of voter codes and tokens finds the old ones by these.
CREATE INDEX voter_codes_created ON voter_codes (created_at);
CREATE INDEX voter_tokens_expires ON voter_tokens (expires_at);

-- +goose Down
DROP INDEX voter_tokens_expires;
DROP INDEX voter_codes_created;
