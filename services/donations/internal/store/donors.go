package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// InsertDonor stores a new donor, sealing its personal numbers.
func (s *Store) InsertDonor(ctx context.Context, d domain.Donor) error {
	idNum, err := s.box.Seal(d.IDNumber)
	if err != nil {
		return err
	}
	phone, err := s.box.Seal(d.ContactPhone)
	if err != nil {
		return err
	}
	_, err = s.q(ctx).Exec(ctx, `INSERT INTO donors (id, name, kind, uscc, id_number_sealed, phone_sealed, owner_subject, created_at)
		VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, $7, $8)`, d.ID, d.Name, d.Kind, d.USCC, idNum, phone, d.OwnerSubject, d.CreatedAt)
	return err
}

// GetDonor reads a donor and opens its personal numbers.
func (s *Store) GetDonor(ctx context.Context, id string) (domain.Donor, error) {
	var d domain.Donor
	var uscc *string
	var idNum, phone []byte
	err := s.q(ctx).QueryRow(ctx, `SELECT id, name, kind, uscc, id_number_sealed, phone_sealed, owner_subject, created_at FROM donors WHERE id = $1`, id).
		Scan(&d.ID, &d.Name, &d.Kind, &uscc, &idNum, &phone, &d.OwnerSubject, &d.CreatedAt)
	if err != nil {
		return domain.Donor{}, db.NotFound(err, "donor", id)
	}
	d.USCC = stringOf(uscc)
	if d.IDNumber, err = s.box.Open(idNum); err != nil {
		return domain.Donor{}, err
	}
	if d.ContactPhone, err = s.box.Open(phone); err != nil {
		return domain.Donor{}, err
	}
	return d, nil
}

// DonorsOwnedBy lists the donors a subject registered.
func (s *Store) DonorsOwnedBy(ctx context.Context, subject string) ([]string, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT id::text FROM donors WHERE owner_subject = $1`, subject)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
