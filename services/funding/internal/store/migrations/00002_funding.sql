-- +goose Up
-- The funding service's records: allocations, plans with their tranches, clawback returns, idea prizes, the
-- audit trail of plans, and its double-entry ledger (pkg/ledger/pgledger.Schema, copied here; the store's
-- tests check the copy).

-- One row per round funding has seen: round-wide changes (allocations, plans, prizes) lock it.
CREATE TABLE rounds (
    round_id uuid PRIMARY KEY
);

-- Allocations of welfare-lottery funds, once per source reference: who, when, under which request.
CREATE TABLE allocations (
    source_reference text PRIMARY KEY,
    round_id         uuid NOT NULL,
    amount_fen       bigint NOT NULL CHECK (amount_fen > 0),
    allocated_by     text NOT NULL,
    request_id       text NOT NULL DEFAULT '',
    allocated_at     timestamptz NOT NULL
);
CREATE INDEX allocations_round ON allocations (round_id);

CREATE TABLE plans (
    id                    uuid PRIMARY KEY,
    round_id              uuid NOT NULL,
    application_id        uuid NOT NULL UNIQUE,
    org_id                uuid NOT NULL,
    rank                  integer NOT NULL CHECK (rank > 0),
    state                 text NOT NULL,
    budget_fen            bigint NOT NULL CHECK (budget_fen > 0),
    donation_fen          bigint NOT NULL CHECK (donation_fen >= 0),
    in_kind_fen           bigint NOT NULL CHECK (in_kind_fen >= 0),
    government_fen        bigint NOT NULL CHECK (government_fen >= 0),
    match_fen             bigint NOT NULL CHECK (match_fen >= 0),
    topup_fen             bigint NOT NULL CHECK (topup_fen >= 0),
    shortfall_fen         bigint NOT NULL CHECK (shortfall_fen >= 0),
    signatures            text[] NOT NULL DEFAULT '{}',
    -- The payee's account number is sealed (AES-256-GCM), never stored in clear; its masked form is beside it.
    payee_bank            text NOT NULL DEFAULT '',
    payee_account_name    text NOT NULL DEFAULT '',
    payee_account_sealed  bytea,
    payee_account_masked  text NOT NULL DEFAULT '',
    payee_confirmed       boolean NOT NULL DEFAULT false,
    clawback              jsonb NOT NULL DEFAULT '{}',
    reason                text NOT NULL DEFAULT '',
    termination_requested boolean NOT NULL DEFAULT false,
    termination_approvals jsonb NOT NULL DEFAULT '[]',
    transfer_to_org_id    uuid,
    transfer_approvals    jsonb NOT NULL DEFAULT '[]',
    created_at            timestamptz NOT NULL,
    version               bigint NOT NULL DEFAULT 1,
    CHECK (government_fen = match_fen + topup_fen),
    CHECK (donation_fen + government_fen <= budget_fen),
    UNIQUE (round_id, rank)
);

-- A share once paid stays paid under its reference (trigger below); a payment reference pays one share.
CREATE TABLE tranches (
    plan_id            uuid NOT NULL REFERENCES plans (id),
    number             integer NOT NULL CHECK (number > 0),
    percent            integer NOT NULL CHECK (percent > 0 AND percent <= 100),
    gate               text NOT NULL,
    government_fen     bigint NOT NULL CHECK (government_fen >= 0),
    donation_fen       bigint NOT NULL CHECK (donation_fen >= 0),
    state              text NOT NULL CHECK (state IN ('PENDING', 'REQUESTED', 'APPROVED', 'PAID', 'CANCELLED')),
    government_paid    boolean NOT NULL DEFAULT false,
    government_ref     text,
    government_paid_at timestamptz,
    donation_paid      boolean NOT NULL DEFAULT false,
    donation_ref       text,
    donation_paid_at   timestamptz,
    requested_at       timestamptz,
    requested_by       text NOT NULL DEFAULT '',
    approved_at        timestamptz,
    approved_by        text NOT NULL DEFAULT '',
    paid_at            timestamptz,
    PRIMARY KEY (plan_id, number),
    CHECK (government_paid = (government_paid_at IS NOT NULL) AND (NOT government_paid OR government_ref IS NOT NULL)),
    CHECK (donation_paid = (donation_paid_at IS NOT NULL) AND (NOT donation_paid OR donation_ref IS NOT NULL)),
    CHECK (state <> 'PAID' OR ((government_paid OR government_fen = 0) AND (donation_paid OR donation_fen = 0)))
);
CREATE UNIQUE INDEX tranches_government_ref ON tranches (government_ref) WHERE government_ref IS NOT NULL;
CREATE UNIQUE INDEX tranches_donation_ref ON tranches (donation_ref) WHERE donation_ref IS NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION tranches_paid_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (OLD.government_paid AND (NOT NEW.government_paid OR NEW.government_ref IS DISTINCT FROM OLD.government_ref))
        OR (OLD.donation_paid AND (NOT NEW.donation_paid OR NEW.donation_ref IS DISTINCT FROM OLD.donation_ref))
        OR (OLD.state IN ('PAID', 'CANCELLED') AND NEW.state IS DISTINCT FROM OLD.state) THEN
        RAISE EXCEPTION 'tranche %/% was paid or cancelled: it cannot change back', OLD.plan_id, OLD.number USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER tranches_paid_once BEFORE UPDATE ON tranches FOR EACH ROW EXECUTE FUNCTION tranches_paid_once();

-- Money returned against clawbacks, once per payment reference.
CREATE TABLE clawback_returns (
    payment_reference text PRIMARY KEY,
    plan_id           uuid NOT NULL REFERENCES plans (id),
    share             text NOT NULL CHECK (share IN ('GOVERNMENT', 'DONATION')),
    amount_fen        bigint NOT NULL CHECK (amount_fen > 0),
    returned_by       text NOT NULL,
    request_id        text NOT NULL DEFAULT '',
    returned_at       timestamptz NOT NULL
);
CREATE INDEX clawback_returns_plan ON clawback_returns (plan_id);

-- Every change of a plan: who asked, when, what, why, under which request ID. Append-only.
CREATE TABLE plan_events (
    id         bigserial PRIMARY KEY,
    plan_id    uuid NOT NULL REFERENCES plans (id),
    action     text NOT NULL,
    at         timestamptz NOT NULL,
    by_subject text NOT NULL,
    request_id text NOT NULL DEFAULT '',
    detail     text NOT NULL DEFAULT ''
);
CREATE INDEX plan_events_plan ON plan_events (plan_id, id);

-- +goose StatementBegin
CREATE FUNCTION plan_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'plan_events is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER plan_events_no_update BEFORE UPDATE OR DELETE ON plan_events
    FOR EACH ROW EXECUTE FUNCTION plan_events_append_only();
CREATE TRIGGER plan_events_no_truncate BEFORE TRUNCATE ON plan_events
    FOR EACH STATEMENT EXECUTE FUNCTION plan_events_append_only();

-- Idea prizes, paid once per winner, numbered from a counter per year (no gap, no duplicate).
CREATE TABLE idea_prizes (
    round_id           uuid NOT NULL,
    application_id     uuid NOT NULL,
    position           integer NOT NULL,
    tier               integer NOT NULL CHECK (tier > 0),
    amount_fen         bigint NOT NULL CHECK (amount_fen > 0),
    certificate_number text NOT NULL UNIQUE,
    payee_org_id       uuid NOT NULL,
    paid_at            timestamptz NOT NULL,
    paid_by            text NOT NULL,
    request_id         text NOT NULL DEFAULT '',
    PRIMARY KEY (round_id, application_id)
);
CREATE TABLE certificate_counters (
    year integer PRIMARY KEY,
    last bigint NOT NULL CHECK (last > 0)
);

-- The funding ledger (pkg/ledger/pgledger.Schema).
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

CREATE TABLE ledger_transfers (
    seq            bigserial UNIQUE,
    id             text PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN ('POSTED', 'PENDING', 'POST_PENDING', 'VOID_PENDING')),
    debit_account  text NOT NULL REFERENCES ledger_accounts (code),
    credit_account text NOT NULL REFERENCES ledger_accounts (code),
    amount_fen     bigint NOT NULL CHECK (amount_fen > 0),
    pending_id     text REFERENCES ledger_transfers (id),
    reason         text NOT NULL DEFAULT '',
    reference      text NOT NULL DEFAULT '',
    requested_by   text NOT NULL,
    request_id     text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL,
    CHECK (debit_account <> credit_account),
    CHECK ((kind IN ('POST_PENDING', 'VOID_PENDING')) = (pending_id IS NOT NULL))
);
CREATE UNIQUE INDEX ledger_transfers_resolved_once ON ledger_transfers (pending_id) WHERE pending_id IS NOT NULL;
CREATE INDEX ledger_transfers_reference ON ledger_transfers (reference);

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
DROP TABLE certificate_counters;
DROP TABLE idea_prizes;
DROP TABLE plan_events;
DROP FUNCTION plan_events_append_only();
DROP TABLE clawback_returns;
DROP TABLE tranches;
DROP FUNCTION tranches_paid_once();
DROP TABLE plans;
DROP TABLE allocations;
DROP TABLE rounds;
