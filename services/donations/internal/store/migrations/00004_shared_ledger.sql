-- +goose Up
-- The ledger is now kept by pkg/ledger/pgledger: its tables become exactly pgledger.Schema (the store's tests
-- compare the two). ledger_accounts is already that table. ledger_transfers says what a transfer is about in
-- one column, reference, instead of application_id and pledge_id; every row keeps what it said:
--   a pledge's confirmation, refund or redirection   'pledge:<pledge_id>'  (its application is its pledge's)
--   a donation share's reservation, release, cancel   'application:<application_id>'
-- The service never wrote a pledge's transfer naming another application than its pledge's; should one exist,
-- the conversion refuses to run rather than lose that application.
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM ledger_transfers t LEFT JOIN pledges p ON p.id = t.pledge_id
               WHERE t.pledge_id IS NOT NULL AND t.application_id IS DISTINCT FROM p.application_id) THEN
        RAISE EXCEPTION 'ledger_transfers: a pledge''s transfer names another application than its pledge; not converted';
    END IF;
END;
$$;
-- +goose StatementEnd
ALTER TABLE ledger_transfers ADD COLUMN reference text NOT NULL DEFAULT '';
-- The table is append-only (trigger): filling in the new column is the one update its rows ever get, inside
-- this migration's transaction, which holds the table's exclusive lock until it commits.
ALTER TABLE ledger_transfers DISABLE TRIGGER ledger_transfers_no_update;
UPDATE ledger_transfers SET reference = CASE WHEN pledge_id IS NOT NULL THEN 'pledge:' || pledge_id::text
    ELSE 'application:' || application_id::text END
WHERE pledge_id IS NOT NULL OR application_id IS NOT NULL;
ALTER TABLE ledger_transfers ENABLE TRIGGER ledger_transfers_no_update;
ALTER TABLE ledger_transfers DROP COLUMN application_id, DROP COLUMN pledge_id;
CREATE INDEX ledger_transfers_reference ON ledger_transfers (reference);

-- +goose Down
ALTER TABLE ledger_transfers ADD COLUMN application_id uuid, ADD COLUMN pledge_id uuid;
ALTER TABLE ledger_transfers DISABLE TRIGGER ledger_transfers_no_update;
UPDATE ledger_transfers t SET pledge_id = p.id, application_id = p.application_id FROM pledges p
WHERE t.reference LIKE 'pledge:%' AND p.id = substr(t.reference, 8)::uuid;
UPDATE ledger_transfers SET application_id = substr(reference, 13)::uuid WHERE reference LIKE 'application:%';
ALTER TABLE ledger_transfers ENABLE TRIGGER ledger_transfers_no_update;
DROP INDEX ledger_transfers_reference;
ALTER TABLE ledger_transfers DROP COLUMN reference;
