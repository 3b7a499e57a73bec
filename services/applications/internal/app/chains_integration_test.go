package app_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/hashchain"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// TestPhaseChangesChain: every advance is the next entry of the round_phase_changes chain; the published head
// checks out; a phase change edited as a superuser (triggers disabled) makes a head recorded before fail its
// check, naming the edited entry; an unknown chain is INVALID_ARGUMENT.
func TestPhaseChangesChain(t *testing.T) {
	ctx := context.Background()
	f, r := shortlisting(t) // SOLICITATION, then SHORTLISTING
	heads, _, err := f.svc.ChainHeads(ctx)
	if err != nil || len(heads) != 1 || heads[0].Chain != "round_phase_changes" || heads[0].Seq != 2 || len(heads[0].Hash) != 64 {
		t.Fatalf("heads: %v %+v", err, heads)
	}
	recorded := heads[0]
	f.advance(t, r, domain.PhasePublicity)
	c, err := f.svc.CheckChainHead(ctx, recorded)
	if err != nil || !c.Intact || c.Current.Seq != 3 {
		t.Fatalf("recorded head after one more advance: %v %+v", err, c)
	}

	admin, err := pgx.Connect(ctx, pgtest.URLWithDatabase(pgtest.Server(t), f.pool.Config().ConnConfig.Database))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `ALTER TABLE applications.round_phase_changes DISABLE TRIGGER USER;
		UPDATE applications.round_phase_changes SET changed_by = 'someone else' WHERE to_phase = 'SHORTLISTING';
		ALTER TABLE applications.round_phase_changes ENABLE TRIGGER USER`); err != nil {
		t.Fatal(err)
	}
	c, err = f.svc.CheckChainHead(ctx, recorded)
	want := hashchain.Break{Chain: "round_phase_changes", Seq: 2, EntryID: r.ID + "/SHORTLISTING", Reason: hashchain.HashMismatch}
	if err != nil || c.Intact || c.FirstBreak == nil || *c.FirstBreak != want {
		t.Fatalf("recorded head after the edit: %v %+v, want %+v", err, c, want)
	}
	if _, err := f.svc.CheckChainHead(ctx, hashchain.Head{Chain: "ledger_transfers", Seq: 1, Hash: recorded.Hash}); err == nil || !hashchain.ErrUnknownChain.Is(err) {
		t.Fatalf("unknown chain: %v", err)
	}
}
