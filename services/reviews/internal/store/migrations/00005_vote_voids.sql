-- +goose Up
-- The network a vote came from, as the gateway saw the client: the /24 of an IPv4 address, the /64 of an
-- IPv6 one (never the whole address); NULL when unknown (a call not through the gateway, or erased).
ALTER TABLE votes ADD COLUMN client_network text;
CREATE INDEX votes_round_network ON votes (round_id, client_network) WHERE client_network IS NOT NULL;
CREATE INDEX votes_round_cast ON votes (round_id, application_id, cast_at);

-- Voided votes: a vote is never deleted; voiding it records who, when and why, and tallies and results leave
-- it out. Append-only.
CREATE TABLE vote_voids (
    vote_id   uuid PRIMARY KEY REFERENCES votes (id),
    round_id  uuid NOT NULL,
    reason    text NOT NULL,
    voided_by text NOT NULL,
    voided_at timestamptz NOT NULL
);
CREATE INDEX vote_voids_round ON vote_voids (round_id, voided_at, vote_id);
-- +goose StatementBegin
CREATE FUNCTION vote_voids_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'vote_voids is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER vote_voids_no_update BEFORE UPDATE OR DELETE ON vote_voids
    FOR EACH ROW EXECUTE FUNCTION vote_voids_append_only();
CREATE TRIGGER vote_voids_no_truncate BEFORE TRUNCATE ON vote_voids
    FOR EACH STATEMENT EXECUTE FUNCTION vote_voids_append_only();

-- +goose Down
DROP TABLE vote_voids;
DROP FUNCTION vote_voids_append_only();
DROP INDEX votes_round_cast;
DROP INDEX votes_round_network;
ALTER TABLE votes DROP COLUMN client_network;
