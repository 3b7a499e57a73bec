-- +goose Up
-- A vote's voter is the voter of the token it was cast with (voter_tokens.voter_id references voters), and
-- voters are never deleted (erasure keeps the row without its phone's HMAC; this trigger refuses a DELETE or
-- TRUNCATE of voters): so every vote's voter exists without the foreign key's check, which locked the voter's
-- row (SELECT … FOR KEY SHARE: a heap write and a WAL record) for every vote inserted.
ALTER TABLE votes DROP CONSTRAINT votes_voter_id_fkey;

-- +goose StatementBegin
CREATE FUNCTION voters_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'voters are never deleted (% refused): votes refer to them', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER voters_no_delete BEFORE DELETE ON voters
    FOR EACH ROW EXECUTE FUNCTION voters_kept();
CREATE TRIGGER voters_no_truncate BEFORE TRUNCATE ON voters
    FOR EACH STATEMENT EXECUTE FUNCTION voters_kept();

-- +goose Down
DROP TRIGGER voters_no_truncate ON voters;
DROP TRIGGER voters_no_delete ON voters;
DROP FUNCTION voters_kept();
ALTER TABLE votes ADD CONSTRAINT votes_voter_id_fkey FOREIGN KEY (voter_id) REFERENCES voters (id);
