package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/hashchain"
	"github.com/commonweal/commonweal/pkg/hashchain/pgchain"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// phaseChanges is the name of the rounds' phase changes' hash chain, their table's.
const phaseChanges = "round_phase_changes"

// phaseChangeFields are a phase change's fields in the chain's canonical encoding, in this order: round_id,
// from_phase, to_phase, changed_at, changed_by.
func phaseChangeFields(c domain.PhaseChange) []string {
	return []string{c.RoundID, string(c.From), string(c.To), hashchain.Time(c.At), c.By}
}

// appendPhaseChange inserts c as the chain's next entry, inside the caller's unit of work (the chain stays
// locked until it ends).
func (s *Store) appendPhaseChange(ctx context.Context, c domain.PhaseChange) error {
	return db.InTx(ctx, s.pool, func(ctx context.Context) error {
		seq, prev, err := pgchain.Next(ctx, s.q(ctx), phaseChanges)
		if err != nil {
			return err
		}
		c.At = pgchain.Micro(c.At)
		l := hashchain.Seal(phaseChanges, seq, prev, hashchain.Link{Fields: phaseChangeFields(c)})
		_, err = s.q(ctx).Exec(ctx, `INSERT INTO round_phase_changes (round_id, from_phase, to_phase, changed_at, changed_by, chain_seq, prev_hash, hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, c.RoundID, c.From, c.To, c.At, c.By, l.Seq, l.Prev, l.Hash)
		return err
	})
}

// ChainHeads reads the head of the service's one chain.
func (s *Store) ChainHeads(ctx context.Context) ([]hashchain.Head, error) {
	h, err := pgchain.Head(ctx, s.q(ctx), phaseChanges, "changed_at")
	return []hashchain.Head{h}, err
}

// Chain reads the phase changes' chain whole; ok is false for another name. An entry is named
// <round_id>/<to_phase>.
func (s *Store) Chain(ctx context.Context, name string) (hashchain.Chain, bool, error) {
	if name != phaseChanges {
		return hashchain.Chain{}, false, nil
	}
	rows, err := s.q(ctx).Query(ctx, `SELECT round_id::text, from_phase, to_phase, changed_at, changed_by, chain_seq, prev_hash, hash
		FROM round_phase_changes ORDER BY chain_seq`)
	if err != nil {
		return hashchain.Chain{}, true, err
	}
	links, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (hashchain.Link, error) {
		var c domain.PhaseChange
		var l hashchain.Link
		err := row.Scan(&c.RoundID, &c.From, &c.To, &c.At, &c.By, &l.Seq, &l.Prev, &l.Hash)
		l.ID, l.At, l.Fields = c.RoundID+"/"+string(c.To), c.At, phaseChangeFields(c)
		return l, err
	})
	return hashchain.Chain{Name: phaseChanges, Links: links}, true, err
}
