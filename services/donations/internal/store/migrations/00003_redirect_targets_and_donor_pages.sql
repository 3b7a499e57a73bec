-- +goose Up
-- A donation redirected to an application counts in that application's summary and conflicts: find pledges by
-- their redirection target. Donors are listed in keyset pages (created_at, id).
CREATE INDEX pledges_redirect_application ON pledges (redirect_application_id) WHERE redirect_application_id IS NOT NULL;
CREATE INDEX donors_keyset ON donors (created_at, id);

-- +goose Down
DROP INDEX donors_keyset;
DROP INDEX pledges_redirect_application;
