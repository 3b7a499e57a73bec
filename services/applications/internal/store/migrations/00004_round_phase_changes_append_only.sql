-- +goose Up
-- A round's phase changes are its audit trail: never changed or removed, like the ledgers and events of the
-- other services. The trigger also marks the table append-only for db.Migrate, which grants the service's
-- runtime role only INSERT and SELECT on it (README "Production": database roles).
-- +goose StatementBegin
CREATE FUNCTION round_phase_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'round_phase_changes is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER round_phase_changes_no_update BEFORE UPDATE OR DELETE ON round_phase_changes
    FOR EACH ROW EXECUTE FUNCTION round_phase_changes_append_only();
CREATE TRIGGER round_phase_changes_no_truncate BEFORE TRUNCATE ON round_phase_changes
    FOR EACH STATEMENT EXECUTE FUNCTION round_phase_changes_append_only();

-- +goose Down
DROP TRIGGER round_phase_changes_no_truncate ON round_phase_changes;
DROP TRIGGER round_phase_changes_no_update ON round_phase_changes;
DROP FUNCTION round_phase_changes_append_only();
