-- +goose Up
CREATE TABLE idempotency_keys (
    request_id  text PRIMARY KEY,
    fingerprint bytea NOT NULL,
    response    bytea,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One panel per round and stage.
CREATE TABLE panels (
    id         uuid PRIMARY KEY,
    round_id   uuid NOT NULL,
    stage      text NOT NULL,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    UNIQUE (round_id, stage)
);

CREATE TABLE panel_members (
    panel_id           uuid NOT NULL REFERENCES panels (id),
    position           int NOT NULL,
    reviewer_id        text NOT NULL,
    name               text NOT NULL,
    kind               text NOT NULL,
    affiliation_org_id text NOT NULL DEFAULT '',
    donor_id           text NOT NULL DEFAULT '',
    PRIMARY KEY (panel_id, reviewer_id)
);

-- A member excluded from scoring one application: declared by the reviewer or detected.
CREATE TABLE recusals (
    panel_id       uuid NOT NULL REFERENCES panels (id),
    reviewer_id    text NOT NULL,
    application_id uuid NOT NULL,
    source         text NOT NULL,
    reason         text NOT NULL,
    created_at     timestamptz NOT NULL,
    created_by     text NOT NULL,
    PRIMARY KEY (panel_id, reviewer_id, application_id, source)
);
CREATE INDEX recusals_application ON recusals (application_id);

-- One score per (stage, application, member); amended in place until the stage is computed.
CREATE TABLE scores (
    panel_id       uuid NOT NULL REFERENCES panels (id),
    round_id       uuid NOT NULL,
    stage          text NOT NULL,
    application_id uuid NOT NULL,
    reviewer_id    text NOT NULL,
    criteria       jsonb NOT NULL,
    total          int NOT NULL CHECK (total BETWEEN 0 AND 100),
    idea_points    int NOT NULL,
    updated_at     timestamptz NOT NULL,
    updated_by     text NOT NULL,
    PRIMARY KEY (panel_id, application_id, reviewer_id)
);

CREATE TABLE shortlists (
    round_id     uuid PRIMARY KEY,
    state        text NOT NULL,
    computed_at  timestamptz NOT NULL,
    computed_by  text NOT NULL,
    published_at timestamptz,
    published_by text
);

CREATE TABLE shortlist_entries (
    round_id        uuid NOT NULL REFERENCES shortlists (round_id),
    application_id  uuid NOT NULL,
    panel_score     int NOT NULL,
    rank            int NOT NULL,
    shortlisted     boolean NOT NULL,
    idea_only       boolean NOT NULL,
    disqualified    boolean NOT NULL DEFAULT false,
    first_submit_at timestamptz NOT NULL,
    inputs          jsonb NOT NULL,
    PRIMARY KEY (round_id, application_id)
);

CREATE TABLE complaints (
    id                uuid PRIMARY KEY,
    round_id          uuid NOT NULL,
    application_id    uuid NOT NULL,
    content           text NOT NULL,
    -- The complainant's contact may be a phone number: sealed (AES-256-GCM), never stored in clear.
    contact_sealed    bytea,
    state             text NOT NULL,
    outcome           text NOT NULL DEFAULT '',
    resolution_reason text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL,
    created_by        text NOT NULL,
    resolved_at       timestamptz,
    resolved_by       text
);
CREATE INDEX complaints_open ON complaints (round_id) WHERE state = 'OPEN';

-- Stages published to the applications service: written with the outcome, pushed after the commit, marked
-- pushed once applications confirmed. A pending row means the push must be retried.
CREATE TABLE stage_outbox (
    application_id uuid PRIMARY KEY,
    round_id       uuid NOT NULL,
    stage          text NOT NULL,
    pushed         boolean NOT NULL DEFAULT false,
    updated_at     timestamptz NOT NULL,
    pushed_at      timestamptz
);
CREATE INDEX stage_outbox_pending ON stage_outbox (round_id) WHERE NOT pushed;

-- Voters are known only by an HMAC of their phone number.
CREATE TABLE voters (
    id         uuid PRIMARY KEY,
    phone_hmac bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL
);

CREATE TABLE voter_codes (
    id         bigserial PRIMARY KEY,
    phone_hmac bytea NOT NULL,
    code_hmac  bytea NOT NULL,
    expires_at timestamptz NOT NULL,
    attempts   int NOT NULL DEFAULT 0,
    used       boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL
);
CREATE INDEX voter_codes_phone ON voter_codes (phone_hmac, id DESC);

-- Only a hash of each voter token is kept.
CREATE TABLE voter_tokens (
    token_hash bytea PRIMARY KEY,
    voter_id   uuid NOT NULL REFERENCES voters (id),
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL
);

-- Votes are insert-only: no counter row is ever updated, tallies are counted. A voter's n-th vote of a day
-- for an application takes slot n, so the unique key enforces the daily allowance under concurrency.
CREATE TABLE votes (
    id             uuid PRIMARY KEY,
    round_id       uuid NOT NULL,
    application_id uuid NOT NULL,
    voter_id       uuid NOT NULL REFERENCES voters (id),
    vote_day       date NOT NULL,
    slot           int NOT NULL,
    cast_at        timestamptz NOT NULL,
    UNIQUE (round_id, application_id, voter_id, vote_day, slot)
);
CREATE INDEX votes_tally ON votes (round_id, application_id);

CREATE TABLE results (
    round_id        uuid PRIMARY KEY,
    state           text NOT NULL,
    donation_cutoff timestamptz NOT NULL,
    pool_fen        bigint NOT NULL,
    computed_at     timestamptz NOT NULL,
    computed_by     text NOT NULL,
    approved_at     timestamptz,
    approved_by     text,
    signed_off_at   timestamptz,
    signed_off_by   text
);

CREATE TABLE result_entries (
    round_id        uuid NOT NULL REFERENCES results (round_id),
    application_id  uuid NOT NULL,
    position        int NOT NULL,
    finalist        boolean NOT NULL,
    panel_score     int NOT NULL,
    donation_score  int NOT NULL,
    vote_score      int NOT NULL,
    total_score     int NOT NULL,
    rank            int NOT NULL,
    selected        boolean NOT NULL,
    skip_reason     text NOT NULL DEFAULT '',
    idea_prize_tier int NOT NULL DEFAULT 0,
    inputs          jsonb NOT NULL,
    PRIMARY KEY (round_id, application_id)
);

-- +goose Down
DROP TABLE result_entries;
DROP TABLE results;
DROP TABLE votes;
DROP TABLE voter_tokens;
DROP TABLE voter_codes;
DROP TABLE voters;
DROP TABLE stage_outbox;
DROP TABLE complaints;
DROP TABLE shortlist_entries;
DROP TABLE shortlists;
DROP TABLE scores;
DROP TABLE recusals;
DROP TABLE panel_members;
DROP TABLE panels;
DROP TABLE idempotency_keys;
