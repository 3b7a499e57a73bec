-- +goose Up
-- Donation shares projects paid back (the donation part of a clawback), each booked by its ledger transfer
-- returned_from_projects → earmarked:<application>: which payment (one return per payment reference), how much,
-- who, when, why. Append-only, like the ledger it is reconciled with.
CREATE TABLE share_returns (
    transfer_id       text PRIMARY KEY REFERENCES ledger_transfers (id),
    payment_reference text NOT NULL UNIQUE,
    application_id    uuid NOT NULL,
    amount_fen        bigint NOT NULL CHECK (amount_fen > 0),
    reason            text NOT NULL DEFAULT '',
    returned_by       text NOT NULL,
    returned_at       timestamptz NOT NULL
);
CREATE INDEX share_returns_application ON share_returns (application_id);

-- +goose StatementBegin
CREATE FUNCTION share_returns_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'share_returns is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER share_returns_no_update BEFORE UPDATE OR DELETE ON share_returns
    FOR EACH ROW EXECUTE FUNCTION share_returns_append_only();
CREATE TRIGGER share_returns_no_truncate BEFORE TRUNCATE ON share_returns
    FOR EACH STATEMENT EXECUTE FUNCTION share_returns_append_only();

-- +goose Down
DROP TABLE share_returns;
DROP FUNCTION share_returns_append_only();
