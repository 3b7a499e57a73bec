-- Scenario 3 baseline (issue 13): the first page of GET /v1/rounds/{id}/applications?category=…&page_size=20
-- as an OPERATOR, i.e. the one SELECT services/applications/internal/store/applications.go ListApplications
-- runs for it (listApplicationsSQL with a round and a category, no organisation, status or page position; the
-- columns are listCols: every column but the catalogue snapshot, which no list item shows).
-- services/applications/internal/store TestListBaselineIsTheServiceStatement keeps the two the same.
-- The service runs nothing else for a non-empty page read by staff (the round is looked up only when the page
-- is empty).
--
-- Expects: the applications service's schema (schema `applications` in the suite's database: table
-- `applications`, migrations in services/applications/internal/store/migrations, index
-- applications_round_category_keyset from 00008), filled by the bench harness with one round holding many
-- applications (e.g. 10,000) spread over the categories. Read-only: no setup script is needed. Connect as the
-- applications role or set search_path=applications (e.g. PGOPTIONS='-c search_path=applications').
--
-- Run (prepared, as pgx runs it):
--   pgbench -n -M prepared -c 16 -j 2 -T 10 -f list.sql -D round=<round uuid> -D category=YOUTH <database>
-- Variables: round (the round's uuid), category (ELDERLY, DISABILITY, YOUTH, RELIEF or OTHER).
-- The page size is 20; the service asks for 21 rows (one more, to know whether there is a next page).
SELECT id, round_id, org_id, content, status, stage, idea_only, revision, version, created_at, updated_at,
	first_submitted_at, last_submitted_at, last_review, created_by, partner_consent, partner_consent_at
FROM applications WHERE round_id = :round AND category = :category ORDER BY created_at, id LIMIT 21;
