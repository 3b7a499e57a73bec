-- +goose Up
-- Complainants are verified: a phone verified through the voter flow (voter_id) or a named organisation's
-- account (org_id). Complaints lodged before carry neither (complainant_kind ''). The voter link is removed
-- when the voter's data is erased.
ALTER TABLE complaints ADD COLUMN complainant_kind text NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN voter_id uuid REFERENCES voters (id);
ALTER TABLE complaints ADD COLUMN org_id text NOT NULL DEFAULT '';
-- A duplicate merged into another complaint (state MERGED): resolved with it.
ALTER TABLE complaints ADD COLUMN merged_into uuid REFERENCES complaints (id);
ALTER TABLE complaints ADD COLUMN merge_reason text NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN merged_at timestamptz;
ALTER TABLE complaints ADD COLUMN merged_by text;
-- The per-complainant daily limit counts by these; a resolution finds a primary's duplicates by merged_into.
CREATE INDEX complaints_voter ON complaints (voter_id, created_at) WHERE voter_id IS NOT NULL;
CREATE INDEX complaints_org ON complaints (org_id, created_at) WHERE org_id <> '';
CREATE INDEX complaints_merged_into ON complaints (merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX complaints_round_application ON complaints (round_id, application_id) WHERE state = 'OPEN';

-- An erased voter keeps its row (its votes stay counted) without the phone's HMAC.
ALTER TABLE voters ALTER COLUMN phone_hmac DROP NOT NULL;
CREATE INDEX voter_tokens_voter ON voter_tokens (voter_id);
CREATE INDEX votes_voter ON votes (voter_id);

-- The audit trail of exports and erasures of voters' personal data (pkg/personaldata.TableSQL), append-only.
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
DROP INDEX votes_voter;
DROP INDEX voter_tokens_voter;
-- Refused while erased voters exist: their votes stay, so this migration cannot be undone then.
ALTER TABLE voters ALTER COLUMN phone_hmac SET NOT NULL;
DROP INDEX complaints_round_application;
DROP INDEX complaints_merged_into;
DROP INDEX complaints_org;
DROP INDEX complaints_voter;
ALTER TABLE complaints DROP COLUMN merged_by;
ALTER TABLE complaints DROP COLUMN merged_at;
ALTER TABLE complaints DROP COLUMN merge_reason;
ALTER TABLE complaints DROP COLUMN merged_into;
ALTER TABLE complaints DROP COLUMN org_id;
ALTER TABLE complaints DROP COLUMN voter_id;
ALTER TABLE complaints DROP COLUMN complainant_kind;
