-- +goose Up
CREATE TABLE idempotency_keys (
    request_id  text PRIMARY KEY,
    fingerprint bytea NOT NULL,
    response    bytea,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rounds (
    id               uuid PRIMARY KEY,
    name             text NOT NULL,
    year             int NOT NULL,
    phase            text NOT NULL,
    policy           jsonb NOT NULL,
    version          int NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL,
    phase_entered_at timestamptz NOT NULL,
    published_at     timestamptz,
    donation_cutoff  timestamptz,
    created_by       text NOT NULL
);

-- Every phase change, who asked and when: the round's audit trail.
CREATE TABLE round_phase_changes (
    round_id   uuid NOT NULL REFERENCES rounds (id),
    from_phase text NOT NULL,
    to_phase   text NOT NULL,
    changed_at timestamptz NOT NULL,
    changed_by text NOT NULL,
    PRIMARY KEY (round_id, to_phase)
);

CREATE TABLE organizations (
    id                uuid PRIMARY KEY,
    name              text NOT NULL,
    kind              text NOT NULL,
    uscc              text,
    -- Personal numbers are sealed (AES-256-GCM); never stored in clear.
    id_number_sealed  bytea,
    phone_sealed      bytea,
    registered        boolean NOT NULL DEFAULT false,
    owner_subject     text NOT NULL,
    created_at        timestamptz NOT NULL,
    verified_at       timestamptz,
    verified_by       text
);

CREATE TABLE applications (
    id                  uuid PRIMARY KEY,
    round_id            uuid NOT NULL REFERENCES rounds (id),
    org_id              uuid NOT NULL REFERENCES organizations (id),
    content             jsonb NOT NULL,
    category            text NOT NULL,
    title               text NOT NULL,
    budget_total_fen    bigint NOT NULL CHECK (budget_total_fen >= 0),
    status              text NOT NULL,
    stage               text NOT NULL DEFAULT '',
    idea_only           boolean NOT NULL,
    revision            int NOT NULL DEFAULT 0,
    version             int NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    first_submitted_at  timestamptz,
    last_submitted_at   timestamptz,
    last_review         jsonb,
    created_by          text NOT NULL
);
CREATE INDEX applications_round_keyset ON applications (round_id, created_at, id);
CREATE INDEX applications_round_title ON applications (round_id, lower(title));

-- Every submitted version, kept forever (初审 → 修改完善 → 再度申报).
CREATE TABLE application_revisions (
    application_id   uuid NOT NULL REFERENCES applications (id),
    number           int NOT NULL,
    content          jsonb NOT NULL,
    budget_total_fen bigint NOT NULL,
    idea_only        boolean NOT NULL,
    submitted_at     timestamptz NOT NULL,
    submitted_by     text NOT NULL,
    PRIMARY KEY (application_id, number)
);

-- Every initial-review decision.
CREATE TABLE application_reviews (
    application_id uuid NOT NULL REFERENCES applications (id),
    revision       int NOT NULL,
    decision       text NOT NULL,
    reasons        jsonb NOT NULL,
    reviewer       text NOT NULL,
    reviewed_at    timestamptz NOT NULL,
    PRIMARY KEY (application_id, revision)
);

-- +goose Down
DROP TABLE application_reviews;
DROP TABLE application_revisions;
DROP TABLE applications;
DROP TABLE organizations;
DROP TABLE round_phase_changes;
DROP TABLE rounds;
DROP TABLE idempotency_keys;
