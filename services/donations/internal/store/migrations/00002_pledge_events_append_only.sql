-- +goose Up
-- The audit trail of pledges (who asked, when, why, under which request ID) is append-only, like the ledger.
-- +goose StatementBegin
CREATE FUNCTION pledge_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'pledge_events is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER pledge_events_no_update BEFORE UPDATE OR DELETE ON pledge_events
    FOR EACH ROW EXECUTE FUNCTION pledge_events_append_only();
CREATE TRIGGER pledge_events_no_truncate BEFORE TRUNCATE ON pledge_events
    FOR EACH STATEMENT EXECUTE FUNCTION pledge_events_append_only();

-- +goose Down
DROP TRIGGER pledge_events_no_truncate ON pledge_events;
DROP TRIGGER pledge_events_no_update ON pledge_events;
DROP FUNCTION pledge_events_append_only();
