package domain

import (
	"strings"
	"testing"

	"github.com/commonweal/commonweal/pkg/ledger"
)

// paidTranche1 is an active plan whose tranche 1 is paid in full.
func paidTranche1(t *testing.T, budget, cash int64) Plan {
	t.Helper()
	p := active(t, budget, cash)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(p.RequestTranche(1, false, t0, "op"))
	must(p.ApproveTranche(1, t0, "org"))
	if _, err := p.PayGovernment(1, "G1", t0); err != nil {
		t.Fatal(err)
	}
	if cash > 0 {
		must(p.StartDonation(1, "D1"))
		must(p.FinishDonation(1, "D1", t0))
	}
	return p
}

func TestSuspensionCancelsWhatHasNotStarted(t *testing.T) {
	p := paidTranche1(t, 30_000_000, 10_000_000)
	if err := p.RequestTranche(2, true, t0, "op"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Suspend(""); err != nil { // the reason is checked by CheckReason before
		t.Fatal(err)
	}
	if p.State != PlanSuspended {
		t.Fatalf("state %s", p.State)
	}
	if _, err := p.CheckRequest(3); reason(err) != "PLAN_SUSPENDED" {
		t.Fatalf("request after suspension: %v", err)
	}
	if p.Tranches[1].State != TrancheCancelled || p.Tranches[2].State != TrancheCancelled || p.Tranches[0].State != TranchePaid {
		t.Fatalf("tranches after suspension: %+v", p.Tranches)
	}
	if released, err := p.Suspend("again"); err != nil || released != nil {
		t.Fatalf("suspending again: %v %v", released, err)
	}
	// A tranche whose payment started is left to complete.
	q := paidTranche1(t, 30_000_000, 10_000_000)
	_ = q.RequestTranche(2, true, t0, "op")
	_ = q.ApproveTranche(2, t0, "org")
	_ = q.StartDonation(2, "D2")
	released, err := q.Suspend("late reports")
	if err != nil || len(released) != 1 || released[0].Number != 3 {
		t.Fatalf("released %+v %v", released, err)
	}
	if q.Tranches[1].State != TrancheApproved {
		t.Fatalf("in-flight tranche cancelled: %+v", q.Tranches[1])
	}
	if _, err := q.CheckClawback(); reason(err) != "PAYMENTS_IN_PROGRESS" {
		t.Fatalf("clawback while a tranche is being paid: %v", err)
	}
	if err := q.FinishDonation(2, "D2", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := q.PayGovernment(2, "G2", t0); err != nil || q.Tranches[1].State != TranchePaid || q.State != PlanSuspended {
		t.Fatalf("completing the started tranche: %v %+v %s", err, q.Tranches[1], q.State)
	}
	if _, err := q.PayGovernment(3, "G3", t0); reason(err) != "TRANCHE_CANCELLED" {
		t.Fatalf("paying a cancelled tranche: %v", err)
	}
}

// TestClawback: disbursed − verified spending, split pro rata to what each source paid, every fen conserved.
func TestClawback(t *testing.T) {
	cases := []struct {
		name                 string
		budget, cash         int64
		verified             int64
		owed, govPart, donPt int64
	}{
		// Tranche 1 paid: government 10,000,000 and donation 5,000,000 (2 : 1).
		{"a third spent", 30_000_000, 10_000_000, 5_000_000, 10_000_000, 6_666_667, 3_333_333},
		{"nothing spent", 30_000_000, 10_000_000, 0, 15_000_000, 10_000_000, 5_000_000},
		{"all spent", 30_000_000, 10_000_000, 15_000_000, 0, 0, 0},
		{"more verified than disbursed", 30_000_000, 10_000_000, 20_000_000, 0, 0, 0},
		{"one fen owed", 30_000_000, 10_000_000, 14_999_999, 1, 1, 0},
		// Government 1,000,000 only (no donation): all of it owed to the pool.
		{"government only", 20_000_000, 0, 9_999_999, 1, 1, 0},
		// 333,383 / 166,666 paid: 100,000 owed is 66,670.07 / 33,329.93 exactly; rounded down 66,670 / 33,329,
		// and the fen left over goes to the larger remainder: 66,670 / 33,330.
		{"odd fen", 1_000_099, 333_333, 400_049, 100_000, 66_670, 33_330},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := paidTranche1(t, c.budget, c.cash)
			if err := p.ComputeClawback(0, t0); reason(err) != "CLAWBACK_NOT_ALLOWED" {
				t.Fatalf("clawback of an active plan: %v", err)
			}
			if _, err := p.Suspend("misuse of funds"); err != nil {
				t.Fatal(err)
			}
			if err := p.ComputeClawback(c.verified, t0); err != nil {
				t.Fatal(err)
			}
			cb := p.Clawback
			if cb.OwedFen != c.owed || cb.GovernmentFen != c.govPart || cb.DonationFen != c.donPt || cb.GovernmentFen+cb.DonationFen != cb.OwedFen {
				t.Fatalf("clawback %+v, want %d = %d + %d", cb, c.owed, c.govPart, c.donPt)
			}
			if err := p.ComputeClawback(0, t0); err != nil || p.Clawback != cb {
				t.Fatalf("computed twice: %v %+v", err, p.Clawback)
			}
		})
	}
}

func TestClawbackReturns(t *testing.T) {
	p := paidTranche1(t, 30_000_000, 10_000_000)
	if err := p.RecordReturn(ShareGovernment, 1); reason(err) != "CLAWBACK_NOT_COMPUTED" {
		t.Fatalf("return before computing: %v", err)
	}
	_, _ = p.Suspend("x")
	_ = p.ComputeClawback(5_000_000, t0) // owed 6,666,667 / 3,333,333
	if err := p.RecordReturn(ShareGovernment, 6_666_668); reason(err) != "CLAWBACK_RETURN_TOO_LARGE" {
		t.Fatalf("return above what is owed: %v", err)
	}
	if err := p.RecordReturn(ShareGovernment, 6_000_000); err != nil {
		t.Fatal(err)
	}
	if err := p.RecordReturn(ShareGovernment, 666_668); reason(err) != "CLAWBACK_RETURN_TOO_LARGE" {
		t.Fatalf("second return above the rest: %v", err)
	}
	if err := p.RecordReturn(ShareDonation, 3_333_333); err != nil {
		t.Fatal(err)
	}
	if err := p.RecordReturn("OTHER", 1); reason(err) != "INVALID_SHARE" {
		t.Fatalf("unknown share: %v", err)
	}
	if p.Clawback.ReturnedFen() != 9_333_333 {
		t.Fatalf("returned %d", p.Clawback.ReturnedFen())
	}
}

func TestTermination(t *testing.T) {
	p := paidTranche1(t, 30_000_000, 10_000_000)
	if _, err := p.ApproveTermination("ORGANIZER", "org-1"); reason(err) != "TERMINATION_NOT_REQUESTED" {
		t.Fatalf("approve before request: %v", err)
	}
	if err := p.RequestTermination("flood destroyed the centre"); err != nil {
		t.Fatal(err)
	}
	if released, err := p.ApproveTermination("ORGANIZER", "org-1"); err != nil || released != nil || p.State != PlanActive {
		t.Fatalf("one approval: %v %v %s", released, err, p.State)
	}
	// The same person again, now as the operator: still one approval.
	if _, err := p.ApproveTermination("OPERATOR", "org-1"); err != nil || p.State != PlanActive || len(p.TerminationApprovals) != 1 {
		t.Fatalf("one person approving twice: %v %s %+v", err, p.State, p.TerminationApprovals)
	}
	released, err := p.ApproveTermination("OPERATOR", "op-1")
	if err != nil || p.State != PlanTerminated || len(released) != 2 {
		t.Fatalf("both approvals: %v %s %+v", err, p.State, released)
	}
	if p.Tranches[1].State != TrancheCancelled || p.Tranches[2].State != TrancheCancelled {
		t.Fatalf("unpaid tranches after termination: %+v", p.Tranches)
	}
	if released, err := p.ApproveTermination("OPERATOR", "op-2"); err != nil || released != nil {
		t.Fatalf("approving a terminated plan: %v %v", released, err)
	}
	if err := p.ComputeClawback(0, t0); err != nil || p.Clawback.OwedFen != 15_000_000 {
		t.Fatalf("clawback of a terminated plan: %v %+v", err, p.Clawback)
	}
}

func TestTransfer(t *testing.T) {
	p := paidTranche1(t, 30_000_000, 10_000_000)
	if err := p.RequestTransfer("o", "x"); reason(err) != "TRANSFER_TO_SAME_ORG" {
		t.Fatalf("transfer to itself: %v", err)
	}
	if _, err := p.ApproveTransfer("ORGANIZER", "org-1"); reason(err) != "TRANSFER_NOT_REQUESTED" {
		t.Fatalf("approve before request: %v", err)
	}
	if err := p.RequestTransfer("o2", "the centre merged into another"); err != nil {
		t.Fatal(err)
	}
	if from, err := p.ApproveTransfer("OPERATOR", "op-1"); err != nil || from != "" || p.OrgID != "o" {
		t.Fatalf("one approval: %q %v", from, err)
	}
	from, err := p.ApproveTransfer("ORGANIZER", "org-1")
	if err != nil || from != "o" || p.OrgID != "o2" || p.State != PlanContracting || len(p.Signatures) != 0 || p.Payee.Set() {
		t.Fatalf("transferred: %q %v %+v", from, err, p)
	}
	if _, err := p.CheckRequest(2); reason(err) != "CONTRACT_NOT_SIGNED" {
		t.Fatalf("next tranche before the new contract: %v", err)
	}
	for _, party := range Parties {
		_ = p.Sign(party)
	}
	if _, err := p.CheckRequest(2); reason(err) != "PAYEE_NOT_CONFIRMED" {
		t.Fatalf("next tranche before the new payee: %v", err)
	}
	// A tranche in progress blocks a transfer.
	q := active(t, 30_000_000, 10_000_000)
	_ = q.RequestTranche(1, false, t0, "op")
	if err := q.RequestTransfer("o2", "x"); reason(err) != "TRANCHE_IN_PROGRESS" {
		t.Fatalf("transfer while tranche 1 is requested: %v", err)
	}
	payee, _ := NewPayee("b", "n", "12345678")
	if err := q.SetPayee(payee); reason(err) != "TRANCHE_IN_PROGRESS" {
		t.Fatalf("payee changed while tranche 1 is requested: %v", err)
	}
}

func TestPrizes(t *testing.T) {
	tiers := []int64{300_000, 200_000, 100_000}
	for tier, want := range map[int]int64{1: 300_000, 2: 200_000, 3: 100_000} {
		if got, err := PrizeAmount(tiers, tier); err != nil || got != want {
			t.Errorf("tier %d: %d %v", tier, got, err)
		}
	}
	for _, tier := range []int{0, 4} {
		if _, err := PrizeAmount(tiers, tier); reason(err) != "PRIZE_TIER_UNKNOWN" {
			t.Errorf("tier %d: %v", tier, err)
		}
	}
	if _, err := PrizeAmount([]int64{300_000, 0}, 2); reason(err) != "PRIZE_TIER_UNKNOWN" {
		t.Errorf("zero prize: %v", err)
	}
	for n, want := range map[int64]string{1: "2026-CY-001", 42: "2026-CY-042", 1000: "2026-CY-1000"} {
		if got := CertificateNumber(2026, n); got != want {
			t.Errorf("certificate %d = %s, want %s", n, got, want)
		}
	}
}

func TestPoolOf(t *testing.T) {
	b := map[string]ledger.Balance{
		LotteryAccount("r"): {DebitsPosted: 1000},
		PoolAccount("r"):    {CreditsPosted: 1000 + 50, DebitsPosted: 300, DebitsPending: 200},
		PaidAccount("r"):    {CreditsPosted: 300, CreditsPending: 200},
		ReturnsAccount("r"): {DebitsPosted: 50},
	}
	if got := PoolOf("r", b); got != (Pool{RoundID: "r", AllocatedFen: 1000, CommittedFen: 200, PaidFen: 300, ReturnedFen: 50, AvailableFen: 550}) {
		t.Fatalf("pool %+v", got)
	}
	if got := PoolOf("x", nil); got != (Pool{RoundID: "x"}) {
		t.Fatalf("empty pool %+v", got)
	}
	for code, neg := range map[string]bool{LotteryAccount("r"): true, ReturnsAccount("r"): true, PoolAccount("r"): false, PaidAccount("r"): false} {
		if LedgerRules.MayGoNegative(code) != neg {
			t.Errorf("%s may go negative: %t", code, !neg)
		}
	}
}

func TestReconcile(t *testing.T) {
	p := paidTranche1(t, 30_000_000, 10_000_000)
	_, _ = p.Suspend("x")
	_ = p.ComputeClawback(0, t0)
	_ = p.RecordReturn(ShareGovernment, 100)
	books := Books{
		Allocations: []Allocation{{SourceReference: "A1", RoundID: "r", AmountFen: 50_000_000}},
		Plans:       []Plan{p},
		Prizes:      []Prize{{RoundID: "r", ApplicationID: "x", AmountFen: 300_000}},
		Returns:     []ClawbackReturn{{PaymentReference: "R1", PlanID: "p", Share: ShareGovernment, AmountFen: 100}},
	}
	pool, paid := PoolAccount("r"), PaidAccount("r")
	transfers := []ledger.Transfer{
		{ID: AllocationTransferID("A1"), Kind: ledger.Posted, Debit: LotteryAccount("r"), Credit: pool, AmountFen: 50_000_000},
		{ID: CommitTransferID("p", 1), Kind: ledger.Pending, Debit: pool, Credit: paid, AmountFen: 10_000_000},
		{ID: CommitTransferID("p", 2), Kind: ledger.Pending, Debit: pool, Credit: paid, AmountFen: 6_000_000},
		{ID: CommitTransferID("p", 3), Kind: ledger.Pending, Debit: pool, Credit: paid, AmountFen: 4_000_000},
		{ID: PayTransferID("p", 1), Kind: ledger.PostPending, Debit: pool, Credit: paid, AmountFen: 10_000_000, PendingID: CommitTransferID("p", 1)},
		{ID: CancelTransferID("p", 2), Kind: ledger.VoidPending, Debit: pool, Credit: paid, AmountFen: 6_000_000, PendingID: CommitTransferID("p", 2)},
		{ID: CancelTransferID("p", 3), Kind: ledger.VoidPending, Debit: pool, Credit: paid, AmountFen: 4_000_000, PendingID: CommitTransferID("p", 3)},
		{ID: PrizeTransferID("r", "x"), Kind: ledger.Posted, Debit: pool, Credit: paid, AmountFen: 300_000},
		{ID: ReturnTransferID("p", "R1"), Kind: ledger.Posted, Debit: ReturnsAccount("r"), Credit: pool, AmountFen: 100},
	}
	if v := Reconcile(ledger.Verification{}, transfers, books); !v.Balanced {
		t.Fatalf("good books: %v", v.Mismatches)
	}
	joined := func(v ledger.Verification) string { return strings.Join(v.Mismatches, "; ") }
	if v := Reconcile(ledger.Verification{}, transfers[:4], books); v.Balanced || !strings.Contains(joined(v), "missing from the ledger") {
		t.Fatalf("missing transfers not caught: %v", v.Mismatches)
	}
	extra := append(append([]ledger.Transfer{}, transfers...), ledger.Transfer{ID: "stray", Kind: ledger.Posted, Debit: pool, Credit: paid, AmountFen: 1})
	if v := Reconcile(ledger.Verification{}, extra, books); v.Balanced || !strings.Contains(joined(v), "stray is booked for nothing") {
		t.Fatalf("stray transfer not caught: %v", v.Mismatches)
	}
	wrong := append([]ledger.Transfer{}, transfers...)
	wrong[4].AmountFen = 9_999_999
	if v := Reconcile(ledger.Verification{}, wrong, books); v.Balanced || !strings.Contains(joined(v), "the books say") {
		t.Fatalf("wrong amount not caught: %v", v.Mismatches)
	}
	unpaid := books
	unpaid.Plans = []Plan{p.Clone()}
	unpaid.Plans[0].Tranches[0].GovernmentPaid = false // the books forget a payment the ledger made
	if v := Reconcile(ledger.Verification{}, transfers, unpaid); v.Balanced {
		t.Fatal("a posted payment the books do not record was not caught")
	}
	noReturn := books
	noReturn.Returns = nil
	if v := Reconcile(ledger.Verification{}, transfers, noReturn); v.Balanced || !strings.Contains(joined(v), "records returns") {
		t.Fatalf("return without its record not caught: %v", v.Mismatches)
	}
	if v := Reconcile(ledger.Verification{Mismatches: []string{"x"}}, transfers, books); v.Balanced {
		t.Fatal("an earlier mismatch was dropped")
	}
}
