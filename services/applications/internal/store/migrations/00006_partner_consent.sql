-- +goose Up
-- Partner consent (README "Partner consent"): naming a partner organisation is the applicant's claim; it makes an
-- application partnered (not idea-only) only once the partner's own account accepts. The partner named is kept
-- as a column too, so a partner finds the applications naming it (ListPartnerships) by an index.
ALTER TABLE applications
    ADD COLUMN partner_org_id uuid,
    ADD COLUMN partner_consent text NOT NULL DEFAULT '' CHECK (partner_consent IN ('', 'PENDING', 'ACCEPTED', 'WITHDRAWN')),
    ADD COLUMN partner_consent_at timestamptz;
CREATE INDEX applications_partner_keyset ON applications (partner_org_id, created_at, id) WHERE partner_org_id IS NOT NULL;

-- Every change of an application's partner consent: the applicant naming or dropping a partner, the partner
-- accepting or withdrawing (with its reason). Append-only, like the rounds' phase changes: db.Migrate grants the
-- runtime role only INSERT and SELECT on it.
CREATE TABLE application_partner_consents (
    application_id uuid NOT NULL REFERENCES applications (id),
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_org_id uuid NOT NULL,
    action         text NOT NULL CHECK (action IN ('NAMED', 'CLEARED', 'ACCEPTED', 'WITHDRAWN')),
    from_consent   text NOT NULL,
    to_consent     text NOT NULL,
    reason         text NOT NULL DEFAULT '',
    changed_by     text NOT NULL,
    changed_by_org uuid,
    changed_at     timestamptz NOT NULL
);
CREATE INDEX application_partner_consents_application ON application_partner_consents (application_id, id);

-- +goose StatementBegin
CREATE FUNCTION application_partner_consents_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'application_partner_consents is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER application_partner_consents_no_update BEFORE UPDATE OR DELETE ON application_partner_consents
    FOR EACH ROW EXECUTE FUNCTION application_partner_consents_append_only();
CREATE TRIGGER application_partner_consents_no_truncate BEFORE TRUNCATE ON application_partner_consents
    FOR EACH STATEMENT EXECUTE FUNCTION application_partner_consents_append_only();

-- Applications that already name a partner: nobody has consented, so the consent is PENDING (recorded as named
-- by this migration) and, unless the final results were already decided on the old rule (stage SELECTED,
-- IDEA_PRIZE or NOT_SELECTED, when the partnership can no longer change), an applicant that is not a social
-- organisation competes for idea prizes only until its partner accepts. These rows get a new version (etag).
UPDATE applications SET partner_org_id = (content->>'partner_org_id')::uuid, partner_consent = 'PENDING', version = version + 1
    WHERE coalesce(content->>'partner_org_id', '') <> '';
INSERT INTO application_partner_consents (application_id, partner_org_id, action, from_consent, to_consent, changed_by, changed_by_org, changed_at)
    SELECT id, partner_org_id, 'NAMED', '', 'PENDING', 'migration:00006_partner_consent', org_id, now()
    FROM applications WHERE partner_org_id IS NOT NULL ORDER BY created_at, id;
UPDATE applications a SET idea_only = true
    FROM organizations o
    WHERE o.id = a.org_id AND a.partner_org_id IS NOT NULL AND NOT a.idea_only AND o.kind <> 'SOCIAL_ORGANIZATION'
      AND a.stage NOT IN ('SELECTED', 'IDEA_PRIZE', 'NOT_SELECTED');

-- +goose Down
DROP TRIGGER application_partner_consents_no_truncate ON application_partner_consents;
DROP TRIGGER application_partner_consents_no_update ON application_partner_consents;
DROP FUNCTION application_partner_consents_append_only();
DROP TABLE application_partner_consents;
DROP INDEX applications_partner_keyset;
ALTER TABLE applications DROP COLUMN partner_consent_at, DROP COLUMN partner_consent, DROP COLUMN partner_org_id;
