-- +goose Up
-- votes_tally (round_id, application_id) is a prefix of votes_round_cast (round_id, application_id, cast_at),
-- which serves every query it served (the tallies, up to the close of voting, read through the latter), and of
-- the unique slot key: each vote inserted maintained it for nothing.
DROP INDEX votes_tally;

-- +goose Down
CREATE INDEX votes_tally ON votes (round_id, application_id);
