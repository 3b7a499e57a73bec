package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

var _ app.PartnershipStore = (*Store)(nil)

// partnerColumn is the partner_org_id column of an application naming partner id (NULL: none).
func partnerColumn(id string) *string {
	if id == "" {
		return nil
	}
	return &id
}

// RecordConsentChange appends to the partner-consent trail (append-only).
func (s *Store) RecordConsentChange(ctx context.Context, c domain.ConsentChange) error {
	var byOrg *string
	if c.ByOrgID != "" {
		byOrg = &c.ByOrgID
	}
	_, err := s.q(ctx).Exec(ctx, `INSERT INTO application_partner_consents (application_id, partner_org_id, action, from_consent, to_consent,
		reason, changed_by, changed_by_org, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		c.ApplicationID, c.PartnerOrgID, c.Action, c.From, c.To, c.Reason, c.By, byOrg, c.At)
	return err
}

// ListConsentChanges returns an application's consent trail, oldest first.
func (s *Store) ListConsentChanges(ctx context.Context, applicationID string) ([]domain.ConsentChange, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT application_id::text, partner_org_id::text, action, from_consent, to_consent, reason, changed_by,
		coalesce(changed_by_org::text, ''), changed_at FROM application_partner_consents WHERE application_id = $1 ORDER BY id`, applicationID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.ConsentChange, error) {
		var c domain.ConsentChange
		err := row.Scan(&c.ApplicationID, &c.PartnerOrgID, &c.Action, &c.From, &c.To, &c.Reason, &c.By, &c.ByOrgID, &c.At)
		return c, err
	})
}

// ListPartnerships returns up to f.Limit applications naming f.PartnerOrgID as partner after the keyset
// position, oldest first.
func (s *Store) ListPartnerships(ctx context.Context, f app.PartnershipFilter) ([]domain.Application, error) {
	afterID := f.AfterID
	if afterID == "" {
		afterID = "00000000-0000-0000-0000-000000000000"
	}
	rows, err := s.q(ctx).Query(ctx, `SELECT `+appCols+` FROM applications
		WHERE partner_org_id = $1 AND ($2 = '' OR partner_consent = $2) AND (created_at, id) > ($3, $4::uuid)
		ORDER BY created_at, id LIMIT $5`, f.PartnerOrgID, string(f.Consent), f.AfterTime, afterID, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Application, error) { return scanApplication(row) })
}
