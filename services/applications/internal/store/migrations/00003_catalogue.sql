-- +goose Up
-- The maintained list of communities (社区) applications choose their service area from, by code. A community
-- is never deleted: a retired one can no longer be chosen, and applications and needs that chose it keep it.
CREATE TABLE communities (
    code         text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9-]{1,32}$'),
    name         text NOT NULL,
    sub_district text NOT NULL,
    district     text NOT NULL,
    retired      boolean NOT NULL DEFAULT false,
    version      int NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
-- The list's order after the home district: district, sub-district, code (keyset pages).
CREATE INDEX communities_order ON communities (district, sub_district, code);

-- The needs catalogue (引导需求): recorded by departments and community offices, published with a round.
CREATE TABLE needs (
    id                uuid PRIMARY KEY,
    category          text NOT NULL,
    community_code    text NOT NULL REFERENCES communities (code),
    title             text NOT NULL,
    description       text NOT NULL,
    beneficiary_group text NOT NULL,
    recorded_by_unit  text NOT NULL,
    recorded_by       text NOT NULL,
    state             text NOT NULL CHECK (state IN ('RECORDED', 'PUBLISHED')),
    round_id          uuid REFERENCES rounds (id),
    created_at        timestamptz NOT NULL,
    published_at      timestamptz,
    version           int NOT NULL DEFAULT 1,
    CHECK ((state = 'PUBLISHED') = (round_id IS NOT NULL AND published_at IS NOT NULL))
);
-- The lists, oldest first: every need, and a round's.
CREATE INDEX needs_oldest ON needs (created_at, id);
CREATE INDEX needs_round ON needs (round_id, created_at, id) WHERE round_id IS NOT NULL;

-- What an application chose from the lists. content keeps the codes and IDs (and revisions with it);
-- catalogue what the lists said of them when the application was last saved (the automatic checks read it);
-- community_codes and need_ids repeat the content's for statistics per community and of needs met.
ALTER TABLE applications
    ADD COLUMN catalogue       jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN community_codes text[] NOT NULL DEFAULT '{}',
    ADD COLUMN need_ids        uuid[] NOT NULL DEFAULT '{}';
CREATE INDEX applications_community_codes ON applications USING gin (community_codes);
CREATE INDEX applications_need_ids ON applications USING gin (need_ids);

-- An organisation's profile (the programme targets start-up and small organisations) and what its
-- registration was verified against.
ALTER TABLE organizations
    ADD COLUMN founding_date         date,
    ADD COLUMN staff_size            int NOT NULL DEFAULT 0 CHECK (staff_size BETWEEN 0 AND 100000),
    ADD COLUMN verification_evidence text;

-- +goose Down
ALTER TABLE organizations DROP COLUMN verification_evidence, DROP COLUMN staff_size, DROP COLUMN founding_date;
DROP INDEX applications_need_ids;
DROP INDEX applications_community_codes;
ALTER TABLE applications DROP COLUMN need_ids, DROP COLUMN community_codes, DROP COLUMN catalogue;
DROP TABLE needs;
DROP TABLE communities;
