-- +goose Up
CREATE TABLE idempotency_keys (
    request_id  text PRIMARY KEY,
    fingerprint bytea NOT NULL,
    response    bytea,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Projects, rounds and organisations are the applications service's: referred to by ID only.

-- A project's monthly report of a period, at its latest revision.
CREATE TABLE monthly_reports (
    id                   uuid PRIMARY KEY,
    project_id           uuid NOT NULL,
    round_id             uuid NOT NULL,
    org_id               uuid NOT NULL,
    period               text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    activities           text NOT NULL,
    beneficiaries_served integer NOT NULL CHECK (beneficiaries_served >= 0),
    spent_fen            bigint NOT NULL CHECK (spent_fen >= 0),
    spending             jsonb NOT NULL DEFAULT '[]',
    issues               text NOT NULL DEFAULT '',
    revision             integer NOT NULL CHECK (revision >= 1),
    late                 boolean NOT NULL,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    submitted_by         text NOT NULL,
    CONSTRAINT monthly_reports_one_per_period UNIQUE (project_id, period)
);
CREATE INDEX monthly_reports_round ON monthly_reports (round_id);

-- Every revision of every monthly report, as filed: the history is only ever added to.
CREATE TABLE monthly_report_revisions (
    report_id            uuid NOT NULL REFERENCES monthly_reports (id),
    revision             integer NOT NULL,
    activities           text NOT NULL,
    beneficiaries_served integer NOT NULL,
    spent_fen            bigint NOT NULL,
    spending             jsonb NOT NULL,
    issues               text NOT NULL,
    submitted_at         timestamptz NOT NULL,
    submitted_by         text NOT NULL,
    PRIMARY KEY (report_id, revision)
);

CREATE TABLE inspections (
    id          uuid PRIMARY KEY,
    project_id  uuid NOT NULL,
    round_id    uuid NOT NULL,
    visited_on  date NOT NULL,
    findings    text NOT NULL,
    rating      text NOT NULL CHECK (rating IN ('EXCELLENT', 'GOOD', 'ADEQUATE', 'POOR')),
    created_at  timestamptz NOT NULL,
    recorded_by text NOT NULL
);
CREATE INDEX inspections_project ON inspections (project_id, created_at, id);

-- Evaluations gate tranches and verify spending: one per project and kind, never changed.
CREATE TABLE evaluations (
    id                    uuid PRIMARY KEY,
    project_id            uuid NOT NULL,
    round_id              uuid NOT NULL,
    kind                  text NOT NULL CHECK (kind IN ('MIDTERM', 'FINAL_ACCEPTANCE')),
    result                text NOT NULL CHECK (result IN ('PASSED', 'FAILED')),
    verified_spending_fen bigint NOT NULL CHECK (verified_spending_fen >= 0),
    spending              jsonb NOT NULL DEFAULT '[]',
    findings              text NOT NULL,
    evaluated_at          timestamptz NOT NULL,
    recorded_by           text NOT NULL,
    CONSTRAINT evaluations_one_per_kind UNIQUE (project_id, kind)
);

CREATE TABLE capacity_building_records (
    id               uuid PRIMARY KEY,
    project_id       uuid NOT NULL,
    round_id         uuid NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('TRAINING', 'CONSULTATION')),
    held_on          date NOT NULL,
    topic            text NOT NULL,
    duration_minutes integer NOT NULL CHECK (duration_minutes > 0),
    participants     integer NOT NULL CHECK (participants > 0),
    provider         text NOT NULL DEFAULT '',
    notes            text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    recorded_by      text NOT NULL
);
CREATE INDEX capacity_building_records_project ON capacity_building_records (project_id, created_at, id);

-- Report revisions and evaluations are records of what was filed and decided: the database refuses to change
-- or remove them, whatever the code does.
-- +goose StatementBegin
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% of % refused: rows are never changed or removed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER monthly_report_revisions_fixed BEFORE UPDATE OR DELETE ON monthly_report_revisions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER monthly_report_revisions_kept BEFORE TRUNCATE ON monthly_report_revisions
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER evaluations_fixed BEFORE UPDATE OR DELETE ON evaluations
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER evaluations_kept BEFORE TRUNCATE ON evaluations
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- +goose Down
DROP TABLE capacity_building_records;
DROP TABLE evaluations;
DROP TABLE inspections;
DROP TABLE monthly_report_revisions;
DROP TABLE monthly_reports;
DROP FUNCTION refuse_change();
DROP TABLE idempotency_keys;
