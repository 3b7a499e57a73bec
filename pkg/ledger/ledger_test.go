package ledger

import (
	"strings"
	"testing"
)

// rules of the tests: only "world" (the outside world) may go negative.
var rules = Rules{MayGoNegative: func(code string) bool { return code == "world" }}

func replay(ts []Transfer) map[string]Balance {
	m := map[string]*Balance{}
	get := func(c string) *Balance {
		if m[c] == nil {
			m[c] = &Balance{}
		}
		return m[c]
	}
	for _, t := range ts {
		Apply(get(t.Debit), get(t.Credit), t)
	}
	out := map[string]Balance{}
	for c, b := range m {
		out[c] = *b
	}
	return out
}

func TestApplyAndLimits(t *testing.T) {
	world, pool, paid := &Balance{}, &Balance{}, &Balance{}
	Apply(world, pool, Transfer{Kind: Posted, AmountFen: 1000})
	if world.Posted() != -1000 || pool.Posted() != 1000 {
		t.Fatalf("allocation: %+v %+v", world, pool)
	}
	Apply(pool, paid, Transfer{Kind: Pending, AmountFen: 600})
	if pool.Available() != 400 || pool.Posted() != 1000 || paid.CreditsPending != 600 {
		t.Fatalf("reserve: %+v %+v", pool, paid)
	}
	after := *pool
	Apply(&after, &Balance{}, Transfer{Kind: Pending, AmountFen: 401})
	if err := rules.CheckLimit("pool", after); err == nil || !strings.Contains(err.Error(), "INSUFFICIENT_FUNDS") {
		t.Fatalf("over-reservation accepted: %v", err)
	}
	if err := rules.CheckLimit("world", Balance{DebitsPosted: 5}); err != nil {
		t.Fatalf("the outside world may go negative: %v", err)
	}
	if err := (Rules{}).CheckLimit("world", Balance{DebitsPosted: 5}); err == nil {
		t.Fatal("with no rule, no account may go negative")
	}
	Apply(pool, paid, Transfer{Kind: PostPending, AmountFen: 600})
	if pool.Posted() != 400 || pool.DebitsPending != 0 || paid.Posted() != 600 || paid.CreditsPending != 0 {
		t.Fatalf("post: %+v %+v", pool, paid)
	}
	Apply(pool, paid, Transfer{Kind: Pending, AmountFen: 400})
	Apply(pool, paid, Transfer{Kind: VoidPending, AmountFen: 400})
	if pool.Available() != 400 || paid.Posted() != 600 || paid.CreditsPending != 0 {
		t.Fatalf("void: %+v %+v", pool, paid)
	}
}

func TestCheck(t *testing.T) {
	ok := Transfer{ID: "a", Kind: Posted, Debit: "world", Credit: "pool", AmountFen: 1}
	cases := map[string]func(*Transfer){
		"no ID":            func(t *Transfer) { t.ID = "" },
		"long ID":          func(t *Transfer) { t.ID = strings.Repeat("x", 201) },
		"unknown kind":     func(t *Transfer) { t.Kind = "MOVE" },
		"same accounts":    func(t *Transfer) { t.Credit = t.Debit },
		"no debit":         func(t *Transfer) { t.Debit = "" },
		"zero amount":      func(t *Transfer) { t.AmountFen = 0 },
		"negative amount":  func(t *Transfer) { t.AmountFen = -1 },
		"huge amount":      func(t *Transfer) { t.AmountFen = MaxAmountFen + 1 },
		"post, no pending": func(t *Transfer) { t.Kind = PostPending },
	}
	if err := Check(ok); err != nil {
		t.Fatalf("a good transfer: %v", err)
	}
	for name, change := range cases {
		bad := ok
		change(&bad)
		if Check(bad) == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := Check(Transfer{ID: "p", Kind: VoidPending, PendingID: "x"}); err != nil {
		t.Fatalf("a void takes its accounts from the pending transfer: %v", err)
	}
	if ok.SameBody(Transfer{ID: "a", Kind: Posted, Debit: "world", Credit: "pool", AmountFen: 1, Reference: "other"}) {
		t.Fatal("a retry with another reference is the same body")
	}
}

func TestVerify(t *testing.T) {
	good := []Transfer{
		{ID: "d1", Kind: Posted, Debit: "world", Credit: "pool", AmountFen: 1000},
		{ID: "r1", Kind: Pending, Debit: "pool", Credit: "paid", AmountFen: 600},
		{ID: "p1", Kind: PostPending, Debit: "pool", Credit: "paid", AmountFen: 600, PendingID: "r1"},
		{ID: "r2", Kind: Pending, Debit: "pool", Credit: "paid", AmountFen: 300},
	}
	if v := rules.Verify(replay(good), good); !v.Balanced || v.Accounts != 3 || v.Transfers != 4 {
		t.Fatalf("good ledger: %+v", v)
	}
	joined := func(v Verification) string { return strings.Join(v.Mismatches, ";") }
	tampered := replay(good)
	b := tampered["pool"]
	b.CreditsPosted += 5
	tampered["pool"] = b
	if v := rules.Verify(tampered, good); v.Balanced || !strings.Contains(joined(v), "pool: stored") {
		t.Fatalf("tampered balance not caught: %+v", v)
	}
	// A double resolution: the balances it produces agree with the transfers, and it is still refused.
	double := append(append([]Transfer{}, good...), Transfer{ID: "p1b", Kind: VoidPending, Debit: "pool", Credit: "paid", AmountFen: 600, PendingID: "r1"})
	if v := rules.Verify(replay(double), double); v.Balanced || !strings.Contains(joined(v), "resolved twice") {
		t.Fatalf("double resolution not caught: %+v", v)
	}
	wrong := append(append([]Transfer{}, good...), Transfer{ID: "p2", Kind: PostPending, Debit: "pool", Credit: "paid", AmountFen: 299, PendingID: "r2"})
	if v := rules.Verify(replay(wrong), wrong); v.Balanced || !strings.Contains(joined(v), "does not match") {
		t.Fatalf("a resolution of another amount not caught: %+v", v)
	}
	orphan := []Transfer{{ID: "p9", Kind: PostPending, Debit: "pool", Credit: "paid", AmountFen: 1, PendingID: "nope"}}
	if v := rules.Verify(replay(orphan), orphan); v.Balanced || !strings.Contains(joined(v), "unknown pending") {
		t.Fatalf("resolution of an unknown pending transfer not caught: %+v", v)
	}
	overdrawn := []Transfer{{ID: "x", Kind: Posted, Debit: "pool", Credit: "paid", AmountFen: 1}}
	if v := rules.Verify(replay(overdrawn), overdrawn); v.Balanced || !strings.Contains(joined(v), "negative") {
		t.Fatalf("negative account not caught: %+v", v)
	}
	missing := replay(good)
	delete(missing, "paid")
	if v := rules.Verify(missing, good); v.Balanced || !strings.Contains(joined(v), "no row") {
		t.Fatalf("missing account row not caught: %+v", v)
	}
	unbalanced := map[string]Balance{"world": {DebitsPosted: 10}, "pool": {CreditsPosted: 9}}
	if v := rules.Verify(unbalanced, nil); v.Balanced || !strings.Contains(joined(v), "sum to -1") {
		t.Fatalf("non-zero sum not caught: %+v", v)
	}
	pendingSkew := map[string]Balance{"pool": {CreditsPosted: 5, DebitsPending: 2}, "world": {DebitsPosted: 5}}
	if v := rules.Verify(pendingSkew, nil); v.Balanced || !strings.Contains(joined(v), "pending balances sum") {
		t.Fatalf("pending balances not summing to zero not caught: %+v", v)
	}
}
