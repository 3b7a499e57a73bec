-- +goose Up
-- Personal data (PIPL, README "Personal data (PIPL)"): when the personal data of an organisation's person was
-- erased (its ID number and phone deleted, an individual's name replaced), and the audit trail of every export
-- and erasure (pkg/personaldata.TableSQL), append-only like the other audit trails: db.Migrate grants the runtime
-- role only INSERT and SELECT on it.
ALTER TABLE organizations ADD COLUMN erased_at timestamptz;

CREATE TABLE personal_data_requests (
    id           uuid PRIMARY KEY,
    subject_kind text NOT NULL,
    subject_id   text NOT NULL,
    action       text NOT NULL,
    requested_by text NOT NULL,
    reason       text NOT NULL DEFAULT '',
    at           timestamptz NOT NULL,
    values_count int NOT NULL
);
CREATE INDEX personal_data_requests_keyset ON personal_data_requests (at DESC, id DESC);
CREATE INDEX personal_data_requests_subject ON personal_data_requests (subject_id, at DESC, id DESC);

-- +goose StatementBegin
CREATE FUNCTION personal_data_requests_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'personal_data_requests is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER personal_data_requests_no_update BEFORE UPDATE OR DELETE ON personal_data_requests
    FOR EACH ROW EXECUTE FUNCTION personal_data_requests_append_only();
CREATE TRIGGER personal_data_requests_no_truncate BEFORE TRUNCATE ON personal_data_requests
    FOR EACH STATEMENT EXECUTE FUNCTION personal_data_requests_append_only();

-- +goose Down
DROP TABLE personal_data_requests;
DROP FUNCTION personal_data_requests_append_only();
ALTER TABLE organizations DROP COLUMN erased_at;
