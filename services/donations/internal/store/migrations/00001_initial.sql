-- +goose Up
CREATE TABLE idempotency_keys (
    request_id  text PRIMARY KEY,
    fingerprint bytea NOT NULL,
    response    bytea,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE donors (
    id               uuid PRIMARY KEY,
    name             text NOT NULL,
    kind             text NOT NULL,
    uscc             text,
    -- Personal numbers are sealed (AES-256-GCM); never stored in clear.
    id_number_sealed bytea,
    phone_sealed     bytea,
    owner_subject    text NOT NULL,
    created_at       timestamptz NOT NULL
);
CREATE INDEX donors_owner ON donors (owner_subject);

CREATE TABLE pledges (
    id                      uuid PRIMARY KEY,
    donor_id                uuid NOT NULL REFERENCES donors (id),
    application_id          uuid NOT NULL,
    round_id                uuid NOT NULL,
    amount_fen              bigint NOT NULL CHECK (amount_fen > 0),
    kind                    text NOT NULL,
    agreement_ref           text NOT NULL,
    description             text NOT NULL DEFAULT '',
    state                   text NOT NULL,
    created_at              timestamptz NOT NULL,
    created_by              text NOT NULL,
    bank_reference          text UNIQUE,
    deposited_amount_fen    bigint NOT NULL DEFAULT 0,
    deposited_at            timestamptz,
    confirmed_at            timestamptz,
    appraised_value_fen     bigint NOT NULL DEFAULT 0,
    appraisal_notes         text NOT NULL DEFAULT '',
    appraised_at            timestamptz,
    approved_at             timestamptz,
    late                    boolean NOT NULL DEFAULT false,
    receipt_number          text UNIQUE,
    refunded_at             timestamptz,
    redirected_at           timestamptz,
    redirect_application_id uuid
);
CREATE INDEX pledges_application ON pledges (application_id);
CREATE INDEX pledges_keyset ON pledges (created_at, id);
CREATE INDEX pledges_donor ON pledges (donor_id, created_at, id);

-- Every change of a pledge: who asked, when, why, under which request ID.
CREATE TABLE pledge_events (
    id         bigserial PRIMARY KEY,
    pledge_id  uuid NOT NULL REFERENCES pledges (id),
    action     text NOT NULL,
    at         timestamptz NOT NULL,
    by_subject text NOT NULL,
    request_id text NOT NULL DEFAULT '',
    detail     text NOT NULL DEFAULT ''
);
CREATE INDEX pledge_events_pledge ON pledge_events (pledge_id, id);

-- One counter per receipt year (Asia/Shanghai). It advances only inside the transaction that issues the
-- receipt, under the row lock, so numbers have no gaps and no duplicates.
CREATE TABLE receipt_counters (
    year int PRIMARY KEY,
    last bigint NOT NULL CHECK (last > 0)
);

-- Ledger accounts with TigerBeetle's four balances; balance = credits - debits. An account that may not go
-- negative keeps debits_posted + debits_pending <= credits_posted (checked in code and here).
CREATE TABLE ledger_accounts (
    code            text PRIMARY KEY,
    may_go_negative boolean NOT NULL,
    debits_posted   bigint NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
    credits_posted  bigint NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
    debits_pending  bigint NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
    credits_pending bigint NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (may_go_negative OR debits_posted + debits_pending <= credits_posted)
);

-- Ledger transfers: append-only. A pending transfer is resolved by a new POST_PENDING or VOID_PENDING row
-- referencing it, at most once (unique pending_id), never by changing the pending row.
CREATE TABLE ledger_transfers (
    seq            bigserial UNIQUE,
    id             text PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN ('POSTED', 'PENDING', 'POST_PENDING', 'VOID_PENDING')),
    debit_account  text NOT NULL REFERENCES ledger_accounts (code),
    credit_account text NOT NULL REFERENCES ledger_accounts (code),
    amount_fen     bigint NOT NULL CHECK (amount_fen > 0),
    pending_id     text REFERENCES ledger_transfers (id),
    reason         text NOT NULL DEFAULT '',
    application_id uuid,
    pledge_id      uuid,
    requested_by   text NOT NULL,
    request_id     text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL,
    CHECK (debit_account <> credit_account),
    CHECK ((kind IN ('POST_PENDING', 'VOID_PENDING')) = (pending_id IS NOT NULL))
);
CREATE UNIQUE INDEX ledger_transfers_resolved_once ON ledger_transfers (pending_id) WHERE pending_id IS NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION ledger_transfers_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger_transfers is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER ledger_transfers_no_update BEFORE UPDATE OR DELETE ON ledger_transfers
    FOR EACH ROW EXECUTE FUNCTION ledger_transfers_append_only();
CREATE TRIGGER ledger_transfers_no_truncate BEFORE TRUNCATE ON ledger_transfers
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_transfers_append_only();

-- +goose Down
DROP TABLE ledger_transfers;
DROP FUNCTION ledger_transfers_append_only();
DROP TABLE ledger_accounts;
DROP TABLE receipt_counters;
DROP TABLE pledge_events;
DROP TABLE pledges;
DROP TABLE donors;
DROP TABLE idempotency_keys;
