-- +goose Up
-- The operator's quarterly reports: the figures drawn from the services at as_of, stored as a snapshot.
CREATE TABLE quarterly_reports (
    id         uuid PRIMARY KEY,
    round_id   uuid NOT NULL,
    year       integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    quarter    integer NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    narrative  text NOT NULL,
    projects   jsonb NOT NULL,
    totals     jsonb NOT NULL,
    as_of      timestamptz NOT NULL,
    created_by text NOT NULL,
    CONSTRAINT quarterly_reports_one_per_quarter UNIQUE (round_id, year, quarter)
);

-- Each funded project's final summary by its team.
CREATE TABLE final_summaries (
    project_id           uuid PRIMARY KEY,
    round_id             uuid NOT NULL,
    org_id               uuid NOT NULL,
    summary              text NOT NULL,
    outcomes             text NOT NULL,
    beneficiaries_served bigint NOT NULL CHECK (beneficiaries_served >= 0),
    spent_fen            bigint NOT NULL CHECK (spent_fen >= 0),
    plan_state           text NOT NULL,
    created_at           timestamptz NOT NULL,
    submitted_by         text NOT NULL
);
CREATE INDEX final_summaries_round ON final_summaries (round_id);

-- Each funded project's performance evaluation by the operator.
CREATE TABLE performance_evaluations (
    project_id   uuid PRIMARY KEY,
    round_id     uuid NOT NULL,
    score        integer NOT NULL CHECK (score BETWEEN 0 AND 100),
    grade        text NOT NULL CHECK (grade IN ('EXCELLENT', 'GOOD', 'PASS', 'FAIL')),
    findings     text NOT NULL,
    evaluated_at timestamptz NOT NULL,
    recorded_by  text NOT NULL
);
CREATE INDEX performance_evaluations_round ON performance_evaluations (round_id);

-- The organizer's round summary: once filed, the round may be CLOSED.
CREATE TABLE round_summaries (
    round_id        uuid PRIMARY KEY,
    summary         text NOT NULL,
    funded_projects integer NOT NULL CHECK (funded_projects >= 0),
    created_at      timestamptz NOT NULL,
    submitted_by    text NOT NULL
);

-- All four are records of what was reported and decided: never changed or removed.
CREATE TRIGGER quarterly_reports_fixed BEFORE UPDATE OR DELETE ON quarterly_reports FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER final_summaries_fixed BEFORE UPDATE OR DELETE ON final_summaries FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER performance_evaluations_fixed BEFORE UPDATE OR DELETE ON performance_evaluations FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER round_summaries_fixed BEFORE UPDATE OR DELETE ON round_summaries FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- +goose Down
DROP TABLE round_summaries;
DROP TABLE performance_evaluations;
DROP TABLE final_summaries;
DROP TABLE quarterly_reports;
