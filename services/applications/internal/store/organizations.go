package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// InsertOrganization stores a new organisation, sealing its personal numbers.
func (s *Store) InsertOrganization(ctx context.Context, o domain.Organization) error {
	idNum, err := s.box.Seal(o.IDNumber, sealed.Binding("applications", "organizations", "id_number_sealed", o.ID))
	if err != nil {
		return err
	}
	phone, err := s.box.Seal(o.ContactPhone, sealed.Binding("applications", "organizations", "phone_sealed", o.ID))
	if err != nil {
		return err
	}
	_, err = s.q(ctx).Exec(ctx, `INSERT INTO organizations (id, name, kind, uscc, id_number_sealed, phone_sealed, registered, owner_subject, created_at,
		founding_date, staff_size) VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, $7, $8, $9, NULLIF($10, '')::date, $11)`,
		o.ID, o.Name, o.Kind, o.USCC, idNum, phone, o.Registered, o.OwnerSubject, o.CreatedAt, o.FoundingDate, o.StaffSize)
	return err
}

// GetOrganization reads an organisation and opens its personal numbers.
func (s *Store) GetOrganization(ctx context.Context, id string) (domain.Organization, error) {
	return s.getOrganization(ctx, id, false)
}

func (s *Store) getOrganization(ctx context.Context, id string, forUpdate bool) (domain.Organization, error) {
	o, err := s.scanOrganization(s.q(ctx).QueryRow(ctx, `SELECT `+orgCols+` FROM organizations WHERE id = $1`+db.LockClause(forUpdate), id))
	return o, db.NotFound(err, "organization", id)
}

// orgCols are an organisation's columns, personal numbers sealed.
const orgCols = `id::text, name, kind, uscc, id_number_sealed, phone_sealed, registered, owner_subject, created_at, verified_at, verified_by,
	verification_evidence, coalesce(to_char(founding_date, 'YYYY-MM-DD'), ''), staff_size, erased_at`

// scanOrganization reads an organisation and opens its personal numbers.
func (s *Store) scanOrganization(row pgx.Row) (domain.Organization, error) {
	var o domain.Organization
	var uscc, verifiedBy, evidence *string
	var idNum, phone []byte
	var verified, erased *time.Time
	err := row.Scan(&o.ID, &o.Name, &o.Kind, &uscc, &idNum, &phone, &o.Registered, &o.OwnerSubject, &o.CreatedAt, &verified, &verifiedBy,
		&evidence, &o.FoundingDate, &o.StaffSize, &erased)
	if err != nil {
		return o, err
	}
	o.USCC, o.VerifiedBy, o.VerificationEvidence = db.TextOf(uscc), db.TextOf(verifiedBy), db.TextOf(evidence)
	o.VerifiedAt, o.ErasedAt = db.TimeOf(verified), db.TimeOf(erased)
	if o.IDNumber, err = s.box.Open(idNum, sealed.Binding("applications", "organizations", "id_number_sealed", o.ID)); err != nil {
		return o, err
	}
	if o.ContactPhone, err = s.box.Open(phone, sealed.Binding("applications", "organizations", "phone_sealed", o.ID)); err != nil {
		return o, err
	}
	return o, nil
}

// OrganizationsByID returns the organisations among ids, by ID, their personal numbers opened.
func (s *Store) OrganizationsByID(ctx context.Context, ids []string) (map[string]domain.Organization, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT `+orgCols+` FROM organizations WHERE id = ANY($1::uuid[])`, ids)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Organization, error) { return s.scanOrganization(row) })
	if err != nil {
		return nil, err
	}
	out := make(map[string]domain.Organization, len(list))
	for _, o := range list {
		out[o.ID] = o
	}
	return out, nil
}

// UpdateOrganization locks the organisation, applies change and saves it if change altered it. Only the
// verification can change.
func (s *Store) UpdateOrganization(ctx context.Context, id string, change func(*domain.Organization) error) (domain.Organization, error) {
	return update(ctx, s, id, s.getOrganization, s.saveVerification, change)
}

func (s *Store) saveVerification(ctx context.Context, o *domain.Organization) error {
	_, err := s.q(ctx).Exec(ctx, `UPDATE organizations SET registered = $2, verified_at = $3, verified_by = NULLIF($4, ''),
		verification_evidence = NULLIF($5, '') WHERE id = $1`, o.ID, o.Registered, db.NullTime(o.VerifiedAt), o.VerifiedBy, o.VerificationEvidence)
	return err
}

// OrganizationsOwnedBy lists the organisations a subject registered.
func (s *Store) OrganizationsOwnedBy(ctx context.Context, subject string) ([]string, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT id::text FROM organizations WHERE owner_subject = $1`, subject)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
