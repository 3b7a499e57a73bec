-- +goose Up
-- A round's applications of one category, oldest first (ListApplications with a category filter, the list
-- people page through): the keyset order within the category, so a page reads only its own rows.
CREATE INDEX applications_round_category_keyset ON applications (round_id, category, created_at, id);

-- +goose Down
DROP INDEX applications_round_category_keyset;
