-- +goose Up
CREATE TABLE idempotency_keys (
    request_id  text PRIMARY KEY,
    fingerprint bytea NOT NULL,
    response    bytea,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE idempotency_keys;
