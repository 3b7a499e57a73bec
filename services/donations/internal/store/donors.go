package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// InsertDonor stores a new donor, sealing its personal numbers.
func (s *Store) InsertDonor(ctx context.Context, d domain.Donor) error {
	idNum, err := s.box.Seal(d.IDNumber, sealed.Binding("donations", "donors", "id_number_sealed", d.ID))
	if err != nil {
		return err
	}
	phone, err := s.box.Seal(d.ContactPhone, sealed.Binding("donations", "donors", "phone_sealed", d.ID))
	if err != nil {
		return err
	}
	_, err = s.q(ctx).Exec(ctx, `INSERT INTO donors (id, name, kind, uscc, id_number_sealed, phone_sealed, owner_subject, created_at)
		VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, $7, $8)`, d.ID, d.Name, d.Kind, d.USCC, idNum, phone, d.OwnerSubject, d.CreatedAt)
	return err
}

const donorCols = `id, name, kind, uscc, id_number_sealed, phone_sealed, owner_subject, created_at, erased_at`

// scanDonor reads a donor row and opens its personal numbers.
func (s *Store) scanDonor(row pgx.Row) (domain.Donor, error) {
	var d domain.Donor
	var uscc *string
	var idNum, phone []byte
	var erased *time.Time
	if err := row.Scan(&d.ID, &d.Name, &d.Kind, &uscc, &idNum, &phone, &d.OwnerSubject, &d.CreatedAt, &erased); err != nil {
		return domain.Donor{}, err
	}
	d.USCC = stringOf(uscc)
	if erased != nil {
		d.ErasedAt = *erased
	}
	var err error
	if d.IDNumber, err = s.box.Open(idNum, sealed.Binding("donations", "donors", "id_number_sealed", d.ID)); err != nil {
		return domain.Donor{}, err
	}
	if d.ContactPhone, err = s.box.Open(phone, sealed.Binding("donations", "donors", "phone_sealed", d.ID)); err != nil {
		return domain.Donor{}, err
	}
	return d, nil
}

// GetDonor reads a donor and opens its personal numbers.
func (s *Store) GetDonor(ctx context.Context, id string) (domain.Donor, error) {
	d, err := s.scanDonor(s.q(ctx).QueryRow(ctx, `SELECT `+donorCols+` FROM donors WHERE id = $1`, id))
	if err != nil {
		return domain.Donor{}, db.NotFound(err, "donor", id)
	}
	return d, nil
}

// ListDonors returns up to f.Limit donors after the keyset position, oldest first.
func (s *Store) ListDonors(ctx context.Context, f app.DonorFilter) ([]domain.Donor, error) {
	afterID := f.AfterID
	if afterID == "" {
		afterID = "00000000-0000-0000-0000-000000000000"
	}
	rows, err := s.q(ctx).Query(ctx, `SELECT `+donorCols+` FROM donors WHERE (created_at, id) > ($1, $2::uuid)
		ORDER BY created_at, id LIMIT $3`, f.AfterTime, afterID, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Donor, error) { return s.scanDonor(row) })
}

// DonorsOwnedBy lists the donors a subject registered.
func (s *Store) DonorsOwnedBy(ctx context.Context, subject string) ([]string, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT id::text FROM donors WHERE owner_subject = $1`, subject)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
