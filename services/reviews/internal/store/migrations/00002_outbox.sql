-- +goose Up
-- The generic outbox of pkg/outbox (outbox.Table) replaces stage_outbox: its relay retries in the background
-- until the applications service has every stage. Stages still pending move over, oldest first.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    topic           text NOT NULL,
    key             text NOT NULL,
    payload         bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    last_error      text
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE delivered_at IS NULL;
CREATE INDEX outbox_key ON outbox (key) WHERE delivered_at IS NULL;

INSERT INTO outbox (topic, key, payload)
SELECT 'applications.set_stage', round_id::text,
       convert_to(json_build_object('application_id', application_id::text, 'stage', stage)::text, 'UTF8')
FROM stage_outbox WHERE NOT pushed ORDER BY updated_at, application_id;

DROP TABLE stage_outbox;

-- +goose Down
CREATE TABLE stage_outbox (
    application_id uuid PRIMARY KEY,
    round_id       uuid NOT NULL,
    stage          text NOT NULL,
    pushed         boolean NOT NULL DEFAULT false,
    updated_at     timestamptz NOT NULL,
    pushed_at      timestamptz
);
CREATE INDEX stage_outbox_pending ON stage_outbox (round_id) WHERE NOT pushed;
DROP TABLE outbox;
