-- +goose Up
-- A round's notice (公告) and guidance (申报指引), and its due time: the earliest target of a phase it has not
-- finished (NULL when none has a target), rewritten with the phase and the policy. A round is overdue exactly
-- when due_time < now, so the staff list of overdue rounds is one indexed comparison.
ALTER TABLE rounds
    ADD COLUMN notice   jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN guidance jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN due_time timestamptz;

-- The list of rounds, newest first, in keyset pages.
CREATE INDEX rounds_newest ON rounds (created_at DESC, id DESC);
CREATE INDEX rounds_due ON rounds (due_time) WHERE due_time IS NOT NULL;

-- +goose Down
DROP INDEX rounds_due;
DROP INDEX rounds_newest;
ALTER TABLE rounds DROP COLUMN due_time, DROP COLUMN guidance, DROP COLUMN notice;
