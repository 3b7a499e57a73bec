package pgledger

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/ledger"
)

// TestListTransfers: transfers come oldest first (created_at, then ID, whatever the insertion order), the
// keyset position continues exactly after the last one read, and the filters (references, accounts, both, the
// half-open time range) select what they say.
func TestListTransfers(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	mk := func(id, debit, credit, ref string, minute int) ledger.Transfer {
		return ledger.Transfer{ID: id, Kind: ledger.Posted, Debit: debit, Credit: credit, AmountFen: 10, Reference: ref, RequestedBy: "x",
			CreatedAt: at.Add(time.Duration(minute) * time.Minute)}
	}
	// Inserted out of order; t-b and t-a share an instant (ID breaks the tie).
	for _, tr := range []ledger.Transfer{
		mk("t-c", "world", "pool:2", "round:2", 2),
		mk("t-b", "world", "pool:1", "round:1", 1),
		mk("t-a", "world", "pool:1", "round:1", 1),
		mk("t-d", "pool:1", "paid:1", "plan:p1", 3),
		mk("t-e", "pool:2", "paid:2", "plan:p2", 4),
		mk("t-f", "pool:1", "paid:1", "prize:a1", 5),
	} {
		if _, err := s.CreateTransfer(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(f ledger.TransferFilter) []string {
		t.Helper()
		if f.Limit == 0 {
			f.Limit = 100
		}
		got, err := s.ListTransfers(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, tr := range got {
			out = append(out, tr.ID)
		}
		return out
	}
	minute := func(m int) time.Time { return at.Add(time.Duration(m) * time.Minute) }
	for _, tc := range []struct {
		name string
		f    ledger.TransferFilter
		want []string
	}{
		{"all", ledger.TransferFilter{}, []string{"t-a", "t-b", "t-c", "t-d", "t-e", "t-f"}},
		{"references", ledger.TransferFilter{References: []string{"plan:p1", "prize:a1"}}, []string{"t-d", "t-f"}},
		{"accounts, debit or credit", ledger.TransferFilter{Accounts: []string{"pool:1"}}, []string{"t-a", "t-b", "t-d", "t-f"}},
		{"references and accounts", ledger.TransferFilter{References: []string{"plan:p1", "plan:p2"}, Accounts: []string{"paid:2"}}, []string{"t-e"}},
		{"from inclusive", ledger.TransferFilter{From: minute(3)}, []string{"t-d", "t-e", "t-f"}},
		{"to exclusive", ledger.TransferFilter{To: minute(3)}, []string{"t-a", "t-b", "t-c"}},
		{"range", ledger.TransferFilter{From: minute(2), To: minute(4)}, []string{"t-c", "t-d"}},
		{"range and accounts", ledger.TransferFilter{From: minute(1), To: minute(5), Accounts: []string{"pool:1"}}, []string{"t-a", "t-b", "t-d"}},
		{"no match", ledger.TransferFilter{References: []string{"plan:none"}}, []string{}},
	} {
		if got := ids(tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}

	// Pages of two, each continuing after the previous page's last transfer (its time and ID).
	var paged []string
	f := ledger.TransferFilter{Limit: 2}
	for page := 0; ; page++ {
		got, err := s.ListTransfers(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range got {
			paged = append(paged, tr.ID)
		}
		if len(got) < 2 {
			break
		}
		if page > 5 {
			t.Fatal(fmt.Sprint("paging does not end: ", paged))
		}
		f.AfterTime, f.AfterID = got[1].CreatedAt, got[1].ID
	}
	if want := []string{"t-a", "t-b", "t-c", "t-d", "t-e", "t-f"}; !slices.Equal(paged, want) {
		t.Fatalf("paged: %v, want %v", paged, want)
	}
}
