-- +goose Up
-- Tamper evidence (README "Tamper evidence", pkg/hashchain): the ledger's transfers and the pledges' events
-- become hash chains. Every entry gets a sequence number (1, 2, … per chain), its predecessor's hash and its own
-- hash = SHA-256(prev_hash || canonical encoding). Rows already written are chained here, once, with the
-- append-only triggers off inside this migration's transaction (which holds the tables' exclusive locks); from
-- now on the service appends by INSERT only, under a per-chain advisory lock.
--
-- The ledger's part is pgledger.ChainSchema as it is defined (the store's tests compare the two).
ALTER TABLE ledger_transfers ADD COLUMN chain_seq bigint, ADD COLUMN prev_hash text, ADD COLUMN hash text;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION pg_temp.chain_field(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT octet_length(v)::text || ':' || v || ','
$$;
-- +goose StatementEnd

ALTER TABLE ledger_transfers DISABLE TRIGGER ledger_transfers_no_update;
-- +goose StatementBegin
DO $$
DECLARE
    r    record;
    prev text := repeat('0', 64);
    n    bigint := 0;
    h    text;
BEGIN
    FOR r IN SELECT * FROM ledger_transfers ORDER BY created_at, seq LOOP
        n := n + 1;
        h := encode(sha256(convert_to(prev || pg_temp.chain_field('ledger_transfers') || pg_temp.chain_field(n::text) ||
            pg_temp.chain_field(r.id) || pg_temp.chain_field(r.kind) || pg_temp.chain_field(r.debit_account) ||
            pg_temp.chain_field(r.credit_account) || pg_temp.chain_field(r.amount_fen::text) ||
            pg_temp.chain_field(coalesce(r.pending_id, '')) || pg_temp.chain_field(r.reason) || pg_temp.chain_field(r.reference) ||
            pg_temp.chain_field(r.requested_by) || pg_temp.chain_field(r.request_id) ||
            pg_temp.chain_field(to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'UTF8')), 'hex');
        UPDATE ledger_transfers SET chain_seq = n, prev_hash = prev, hash = h WHERE id = r.id;
        prev := h;
    END LOOP;
END;
$$;
-- +goose StatementEnd
ALTER TABLE ledger_transfers ENABLE TRIGGER ledger_transfers_no_update;

ALTER TABLE ledger_transfers ALTER COLUMN chain_seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL,
    ADD CONSTRAINT ledger_transfers_chain_seq_key UNIQUE (chain_seq),
    ADD CONSTRAINT ledger_transfers_chain_seq_check CHECK (chain_seq > 0),
    ADD CONSTRAINT ledger_transfers_hash_check CHECK (hash ~ '^[0-9a-f]{64}$' AND prev_hash ~ '^[0-9a-f]{64}$');

-- pledge_events, the pledges' audit trail, becomes the chain "pledge_events" (pkg/hashchain/pgchain.Events):
-- fields pledge_id, action, at, by_subject, request_id, detail; existing events chained in the order (at, id).
ALTER TABLE pledge_events ADD COLUMN chain_seq bigint, ADD COLUMN prev_hash text, ADD COLUMN hash text;
ALTER TABLE pledge_events DISABLE TRIGGER pledge_events_no_update;
-- +goose StatementBegin
DO $$
DECLARE
    r    record;
    prev text := repeat('0', 64);
    n    bigint := 0;
    h    text;
BEGIN
    FOR r IN SELECT * FROM pledge_events ORDER BY at, id LOOP
        n := n + 1;
        h := encode(sha256(convert_to(prev || pg_temp.chain_field('pledge_events') || pg_temp.chain_field(n::text) ||
            pg_temp.chain_field(r.pledge_id::text) || pg_temp.chain_field(r.action) ||
            pg_temp.chain_field(to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ||
            pg_temp.chain_field(r.by_subject) || pg_temp.chain_field(r.request_id) || pg_temp.chain_field(r.detail), 'UTF8')), 'hex');
        UPDATE pledge_events SET chain_seq = n, prev_hash = prev, hash = h WHERE id = r.id;
        prev := h;
    END LOOP;
END;
$$;
-- +goose StatementEnd
ALTER TABLE pledge_events ENABLE TRIGGER pledge_events_no_update;
ALTER TABLE pledge_events ALTER COLUMN chain_seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL,
    ADD CONSTRAINT pledge_events_chain_seq_key UNIQUE (chain_seq),
    ADD CONSTRAINT pledge_events_chain_seq_check CHECK (chain_seq > 0),
    ADD CONSTRAINT pledge_events_hash_check CHECK (hash ~ '^[0-9a-f]{64}$' AND prev_hash ~ '^[0-9a-f]{64}$');

-- +goose Down
ALTER TABLE pledge_events DROP COLUMN chain_seq, DROP COLUMN prev_hash, DROP COLUMN hash;
ALTER TABLE ledger_transfers DROP COLUMN chain_seq, DROP COLUMN prev_hash, DROP COLUMN hash;
