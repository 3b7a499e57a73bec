-- +goose Up
-- The public disclosure feed: items derived from what the services disclose, added when the feed is read and
-- never changed or removed. publish_time orders the feed; within a round it only grows (items are added under
-- the round's advisory lock after its latest one), so a poller's position stays valid as items arrive.
CREATE TABLE disclosure_items (
    id           uuid PRIMARY KEY,
    round_id     uuid NOT NULL,
    project_id   uuid NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('SHORTLIST_PUBLISHED', 'RESULTS_SIGNED_OFF', 'QUARTERLY_PROGRESS', 'TRANCHE_PAID', 'CLAWBACK')),
    occur_time   timestamptz NOT NULL,
    publish_time timestamptz NOT NULL,
    detail       jsonb NOT NULL
);
CREATE INDEX disclosure_items_feed ON disclosure_items (round_id, publish_time, id);
CREATE INDEX disclosure_items_project_feed ON disclosure_items (round_id, project_id, publish_time, id);
CREATE TRIGGER disclosure_items_fixed BEFORE UPDATE OR DELETE ON disclosure_items FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- +goose Down
DROP TABLE disclosure_items;
