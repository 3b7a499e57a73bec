-- +goose Up
-- ListReviewerPanels finds the panels a reviewer sits on by its reviewer ID.
CREATE INDEX panel_members_reviewer ON panel_members (reviewer_id);

-- +goose Down
DROP INDEX panel_members_reviewer;
