-- +goose Up
-- Tamper evidence (README "Tamper evidence", pkg/hashchain): the rounds' phase changes become the hash chain
-- "round_phase_changes". Every change gets a sequence number (1, 2, …), its predecessor's hash and its own hash =
-- SHA-256(prev_hash || canonical encoding of: the chain's name, the sequence number, round_id, from_phase,
-- to_phase, changed_at, changed_by). Changes already recorded are chained here, once, in the order
-- (changed_at, round_id, to_phase), with the append-only trigger off inside this migration's transaction; from now
-- on the service appends by INSERT only, under the chain's advisory lock (pkg/hashchain/pgchain).
ALTER TABLE round_phase_changes ADD COLUMN chain_seq bigint, ADD COLUMN prev_hash text, ADD COLUMN hash text;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION pg_temp.chain_field(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT octet_length(v)::text || ':' || v || ','
$$;
-- +goose StatementEnd

ALTER TABLE round_phase_changes DISABLE TRIGGER round_phase_changes_no_update;
-- +goose StatementBegin
DO $$
DECLARE
    r    record;
    prev text := repeat('0', 64);
    n    bigint := 0;
    h    text;
BEGIN
    FOR r IN SELECT * FROM round_phase_changes ORDER BY changed_at, round_id, to_phase LOOP
        n := n + 1;
        h := encode(sha256(convert_to(prev || pg_temp.chain_field('round_phase_changes') || pg_temp.chain_field(n::text) ||
            pg_temp.chain_field(r.round_id::text) || pg_temp.chain_field(r.from_phase) || pg_temp.chain_field(r.to_phase) ||
            pg_temp.chain_field(to_char(r.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ||
            pg_temp.chain_field(r.changed_by), 'UTF8')), 'hex');
        UPDATE round_phase_changes SET chain_seq = n, prev_hash = prev, hash = h WHERE round_id = r.round_id AND to_phase = r.to_phase;
        prev := h;
    END LOOP;
END;
$$;
-- +goose StatementEnd
ALTER TABLE round_phase_changes ENABLE TRIGGER round_phase_changes_no_update;

ALTER TABLE round_phase_changes ALTER COLUMN chain_seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL,
    ADD CONSTRAINT round_phase_changes_chain_seq_key UNIQUE (chain_seq),
    ADD CONSTRAINT round_phase_changes_chain_seq_check CHECK (chain_seq > 0),
    ADD CONSTRAINT round_phase_changes_hash_check CHECK (hash ~ '^[0-9a-f]{64}$' AND prev_hash ~ '^[0-9a-f]{64}$');

-- +goose Down
ALTER TABLE round_phase_changes DROP COLUMN chain_seq, DROP COLUMN prev_hash, DROP COLUMN hash;
