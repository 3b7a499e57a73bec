package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// InsertOrganization stores a new organisation, sealing its personal numbers.
func (s *Store) InsertOrganization(ctx context.Context, o domain.Organization) error {
	idNum, err := s.box.Seal(o.IDNumber)
	if err != nil {
		return err
	}
	phone, err := s.box.Seal(o.ContactPhone)
	if err != nil {
		return err
	}
	_, err = s.q(ctx).Exec(ctx, `INSERT INTO organizations (id, name, kind, uscc, id_number_sealed, phone_sealed, registered, owner_subject, created_at)
		VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, $7, $8, $9)`, o.ID, o.Name, o.Kind, o.USCC, idNum, phone, o.Registered, o.OwnerSubject, o.CreatedAt)
	return err
}

// GetOrganization reads an organisation and opens its personal numbers.
func (s *Store) GetOrganization(ctx context.Context, id string) (domain.Organization, error) {
	return s.getOrganization(ctx, id, false)
}

func (s *Store) getOrganization(ctx context.Context, id string, forUpdate bool) (domain.Organization, error) {
	var o domain.Organization
	var uscc, verifiedBy *string
	var idNum, phone []byte
	var verified *time.Time
	err := s.q(ctx).QueryRow(ctx, `SELECT id, name, kind, uscc, id_number_sealed, phone_sealed, registered, owner_subject, created_at, verified_at, verified_by
		FROM organizations WHERE id = $1`+db.LockClause(forUpdate), id).
		Scan(&o.ID, &o.Name, &o.Kind, &uscc, &idNum, &phone, &o.Registered, &o.OwnerSubject, &o.CreatedAt, &verified, &verifiedBy)
	if err != nil {
		return o, db.NotFound(err, "organization", id)
	}
	if uscc != nil {
		o.USCC = *uscc
	}
	if verifiedBy != nil {
		o.VerifiedBy = *verifiedBy
	}
	o.VerifiedAt = db.TimeOf(verified)
	if o.IDNumber, err = s.box.Open(idNum); err != nil {
		return o, err
	}
	if o.ContactPhone, err = s.box.Open(phone); err != nil {
		return o, err
	}
	return o, nil
}

// UpdateOrganization locks the organisation, applies change and saves it if change altered it. Only the
// verification can change.
func (s *Store) UpdateOrganization(ctx context.Context, id string, change func(*domain.Organization) error) (domain.Organization, error) {
	return update(ctx, s, id, s.getOrganization, s.saveVerification, change)
}

func (s *Store) saveVerification(ctx context.Context, o *domain.Organization) error {
	_, err := s.q(ctx).Exec(ctx, `UPDATE organizations SET registered = $2, verified_at = $3, verified_by = NULLIF($4, '') WHERE id = $1`,
		o.ID, o.Registered, db.NullTime(o.VerifiedAt), o.VerifiedBy)
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
