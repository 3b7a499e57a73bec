package e2e

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/commonweal/commonweal/gateway/internal/demo"
)

// TestFullProgramme drives one complete round through the gateway with `make demo`'s driver (thirty
// applications, panels, complaints, votes, cash and in-kind donations, results, funding plans, tranches, a
// suspension with clawback, a termination, idea prizes, supervision and the round's close), then checks what it
// recorded against DOMAIN.md: every phase refused before its precondition holds (the driver fails a step that is
// not refused, and accepted after); the shortlist, the final ranking, the selection and the idea prizes
// recomputed here from the scores, votes and donations the driver sent (formulas_test.go); every plan's match,
// top-up and tranches from the funding formula; every money total reconciled across donations, funding,
// supervision's statistics and quarterly report and the CSV export; the naming right; both ledgers balanced and
// every published hash head vouched for. The results are computed under a traceparent whose trace must cross
// the gateway, reviews, applications, donations and funding, with SQL spans from each service (trace_test.go).
func TestFullProgramme(t *testing.T) {
	t.Parallel() // each test runs its own suite: their waits overlap
	_, dbURL := emptyDB.Database(t)
	sampled := []string{"OTEL_TRACES_SAMPLER=parentbased_always_on"}
	s := StartWith(t, Options{DBURL: dbURL, Env: sampled, GatewayEnv: sampled})
	traceID := requestID() + requestID()
	var out bytes.Buffer
	rec, err := demo.Run(context.Background(), demo.Config{GatewayURL: s.URL, Out: &out, SubmissionWindow: 25 * time.Second,
		PublicityPeriod: publicityPeriod, Voters: 30, ComputeHeaders: []string{"traceparent", "00-" + traceID + "-00f067aa0ba902b7-01"},
		// Every exchange is checked against the OpenAPI document, as the suite's own requests are.
		Observe: func(req *http.Request, resp *http.Response, body []byte) { s.checkAPI(req, false, resp, body) }})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the driver's output:\n%s", out.String())
		}
	})

	// Phase preconditions, in the order the round met them; each phase was accepted once it held (a failed
	// advance fails the driver).
	var refusals []string
	for _, r := range rec.Refusals {
		refusals = append(refusals, r.Reason)
	}
	wantRefusals := []string{"SUBMISSION_DEADLINE_NOT_PASSED", "APPLICATIONS_AWAITING_REVIEW", "SHORTLIST_NOT_PUBLISHED", "PUBLICITY_PERIOD_NOT_ELAPSED",
		"COMPLAINTS_OPEN", "REVIEWER_RECUSED", "RESULTS_NOT_COMPUTED", "RESULTS_NOT_SIGNED_OFF", "CONTRACT_NOT_SIGNED", "PROJECTS_NOT_FINISHED",
		"MIDTERM_NOT_PASSED", "ROUND_SUMMARY_MISSING", "FINAL_SUMMARIES_MISSING"}
	if !slices.Equal(refusals, wantRefusals) {
		t.Errorf("refusals %v, want %v", refusals, wantRefusals)
	}
	phases := map[string]bool{}
	st, body := s.Do("GET", "/v1/rounds/"+rec.RoundID+"/phaseChanges", s.Token("fp-auditor", []string{"AUDITOR"}, ""), nil)
	expect(t, "phase changes", st, body, 200, "")
	for _, c := range body["phaseChanges"].([]any) {
		phases[str(c.(map[string]any)["toPhase"])] = true
	}
	for _, p := range []string{"SOLICITATION", "SHORTLISTING", "PUBLICITY", "PROMOTION", "FINAL_REVIEW", "APPROVAL", "IMPLEMENTATION", "CLOSING", "CLOSED"} {
		if !phases["PHASE_"+p] {
			t.Errorf("no phase change to %s: %v", p, body)
		}
	}

	t.Run("Shortlist", func(t *testing.T) { checkShortlist(t, rec) })
	var selected []*demo.App
	t.Run("ResultsAndIdeaPrizes", func(t *testing.T) { selected = checkResultsAndPrizes(t, s, rec) })
	if len(selected) == 0 {
		t.FailNow()
	}
	t.Run("Plans", func(t *testing.T) { checkPlans(t, s, rec, selected) })
	t.Run("Money", func(t *testing.T) { checkMoney(t, s, rec, selected) })
	t.Run("Stages", func(t *testing.T) { checkStages(t, s, rec, selected) })
	t.Run("TraceAcrossServices", func(t *testing.T) { checkComputeTrace(t, s, traceID) })
}

// totals are the totals of the scores recorded for an application.
func totalsOf(scores []map[string]int) []int64 {
	var out []int64
	for _, c := range scores {
		out = append(out, int64(demo.Total(c)))
	}
	return out
}

// checkShortlist: the shortlist is the quota best by trimmed mean of the shortlist panel, ties to the earlier
// submission; idea-only applications never take a place.
func checkShortlist(t *testing.T, rec *demo.Record) {
	t.Helper()
	var cands []*demo.App
	for _, a := range rec.Apps {
		if !a.Rejected && !a.IdeaOnly {
			cands = append(cands, a)
		}
	}
	slices.SortStableFunc(cands, func(a, b *demo.App) int {
		return int(panelScore(totalsOf(b.ShortlistScores)) - panelScore(totalsOf(a.ShortlistScores)))
	})
	var want []string
	for _, a := range cands[:rec.ShortlistQuota] {
		want = append(want, a.ID)
	}
	if !slices.Equal(rec.Shortlist, want) {
		t.Errorf("shortlist %v, want %v", rec.Shortlist, want)
	}
}

// checkResultsAndPrizes recomputes the final results and idea prizes and compares them with the computed and
// the public results; it returns the selected projects in rank order.
func checkResultsAndPrizes(t *testing.T, s *Suite, rec *demo.Record) []*demo.App {
	t.Helper()
	tally := tallies(t, s, rec.RoundID)
	var facts []finalistFacts
	for _, a := range rec.Apps { // in order of first submission
		if !slices.Contains(rec.Shortlist, a.ID) || a.Disqualified {
			continue
		}
		if tally[a.ID] != fmt.Sprint(a.Votes) {
			t.Errorf("tally of %s: %s, the driver had %d votes accepted", a.Title, tally[a.ID], a.Votes)
		}
		facts = append(facts, finalistFacts{id: a.ID, totals: totalsOf(a.FinalScores), budget: a.BudgetFen, donations: a.CashAtCutoff + a.InKindFen, vote: a.Votes})
	}
	want := expectedResults(facts, rec.SelectionQuota, rec.PoolAllocatedFen)
	ranked := make([]string, len(facts))
	for id, w := range want {
		ranked[w.rank-1] = id
	}
	var selected []*demo.App
	for _, id := range ranked {
		if want[id].selected {
			selected = append(selected, rec.ByID[id])
		}
	}
	if len(selected) != rec.SelectionQuota {
		t.Fatalf("%d selected by the formulas, the quota is %d", len(selected), rec.SelectionQuota)
	}

	// Idea prizes: every accepted application not selected nor disqualified, by the mean idea points of its
	// best stage, then earlier submission; tiers filled in order.
	ideaScore := func(scores []map[string]int) int64 {
		if len(scores) == 0 {
			return 0
		}
		var sum int64
		for _, c := range scores {
			sum += int64(demo.IdeaPoints(c))
		}
		return halfUp(100*sum, int64(len(scores)))
	}
	var cands []*demo.App
	for _, a := range rec.Apps {
		if !a.Rejected && !a.Disqualified && !want[a.ID].selected {
			cands = append(cands, a)
		}
	}
	best := func(a *demo.App) int64 { return max(ideaScore(a.ShortlistScores), ideaScore(a.FinalScores)) }
	slices.SortStableFunc(cands, func(a, b *demo.App) int { return int(best(b) - best(a)) })
	wantTier, wantAmount := map[string]int64{}, map[string]int64{}
	i := 0
	for _, tier := range rec.IdeaTiers {
		for n := int64(0); n < tier[2] && i < len(cands); n++ {
			wantTier[cands[i].ID], wantAmount[cands[i].ID] = tier[0], tier[1]
			i++
		}
	}

	for what, res := range map[string]map[string]any{"computed": rec.Computed, "public": rec.Public} {
		entries := res["entries"].([]any)
		if res["poolFen"] != fmt.Sprint(rec.PoolAllocatedFen) {
			t.Errorf("%s results: pool %v, want %d", what, res["poolFen"], rec.PoolAllocatedFen)
		}
		for i, id := range ranked {
			e := entries[i].(map[string]any)
			in := e["inputs"].(map[string]any)
			w := want[id]
			got := fmt.Sprintln(e["applicationId"], e["panelScore"], e["donationScore"], e["voteScore"], e["totalScore"], e["rank"], e["selected"],
				e["skipReason"], e["finalist"], in["governmentFen"], in["poolRemainingFen"])
			exp := fmt.Sprintln(id, w.panel, w.donation, w.vote, w.total, w.rank, w.selected, w.skip, true, w.government, w.poolLeft)
			if got != exp {
				t.Errorf("%s results, rank %d (%s): got %q, want %q", what, i+1, rec.ByID[id].Title, got, exp)
			}
		}
		for _, x := range entries {
			e := x.(map[string]any)
			if tier := int64(toFloat(e["ideaPrizeTier"])); tier != wantTier[str(e["applicationId"])] {
				t.Errorf("%s results: %s has idea prize tier %d, want %d", what, rec.ByID[str(e["applicationId"])].Title, tier, wantTier[str(e["applicationId"])])
			}
		}
	}
	if len(rec.Prizes) != len(wantTier) {
		t.Errorf("%d idea prizes paid, want %d", len(rec.Prizes), len(wantTier))
	}
	for _, x := range rec.Prizes {
		p := x.(map[string]any)
		id := str(p["applicationId"])
		if int64(toFloat(p["tier"])) != wantTier[id] || p["amountFen"] != fmt.Sprint(wantAmount[id]) || p["payeeOrgId"] != rec.ByID[id].OrgID {
			t.Errorf("idea prize %v, want tier %d of %d fen to %s", p, wantTier[id], wantAmount[id], rec.ByID[id].OrgID)
		}
	}
	return selected
}

func toFloat(v any) float64 { f, _ := v.(float64); return f }

// trancheParts splits a source 50 / 30 / rest, rounded down to the fen.
func trancheParts(fen int64) [3]int64 {
	a, b := fen*50/100, fen*30/100
	return [3]int64{a, b, fen - a - b}
}

// checkPlans: each selected project's plan from the funding formula; tranches, disbursement and the clawback
// from what happened to it.
func checkPlans(t *testing.T, s *Suite, rec *demo.Record, selected []*demo.App) {
	t.Helper()
	sawMatchCap, sawTopupCap := false, false
	for _, a := range selected {
		p := a.Plan
		if p == nil {
			t.Fatalf("no plan for %s", a.Title)
		}
		match, topup := quote(a.BudgetFen, a.CashAtCutoff+a.InKindFen)
		gov := match + topup
		sawMatchCap = sawMatchCap || match == matchCapFen
		sawTopupCap = sawTopupCap || topup == topupCapFen && a.BudgetFen-a.CashAtCutoff-a.InKindFen-match > topupCapFen
		got := fmt.Sprintln(p["budgetFen"], p["donationFen"], p["inKindFen"], p["matchFen"], p["topupFen"], p["governmentFen"], p["totalFen"])
		exp := fmt.Sprintln(a.BudgetFen, a.CashAtCutoff, a.InKindFen, match, topup, gov, a.CashAtCutoff+gov)
		if got != exp {
			t.Errorf("plan of %s (budget, cash, in kind, match, top-up, government, total): got %q, want %q", a.Title, got, exp)
		}
		govParts, donParts := trancheParts(gov), trancheParts(a.CashAtCutoff)
		var paidGov, paidDon int64
		for i, x := range p["tranches"].([]any) {
			tr := x.(map[string]any)
			if tr["governmentFen"] != fmt.Sprint(govParts[i]) || tr["donationFen"] != fmt.Sprint(donParts[i]) || tr["amountFen"] != fmt.Sprint(govParts[i]+donParts[i]) {
				t.Errorf("tranche %d of %s: %v, want government %d donation %d", i+1, a.Title, tr, govParts[i], donParts[i])
			}
			paid := tr["state"] == "TRANCHE_STATE_PAID"
			wantPaid := a.Fate == "completed" || a.Fate == "suspended" && i == 0
			if paid != wantPaid {
				t.Errorf("tranche %d of %s (%s): state %v", i+1, a.Title, a.Fate, tr["state"])
			}
			if paid {
				paidGov, paidDon = paidGov+govParts[i], paidDon+donParts[i]
			}
		}
		wantState := map[string]string{"completed": "PLAN_STATE_COMPLETED", "suspended": "PLAN_STATE_SUSPENDED", "terminated": "PLAN_STATE_TERMINATED"}[a.Fate]
		if p["state"] != wantState || p["disbursedFen"] != fmt.Sprint(paidGov+paidDon) {
			t.Errorf("plan of %s: state %v disbursed %v, want %s and %d", a.Title, p["state"], p["disbursedFen"], wantState, paidGov+paidDon)
		}
		if a.Fate == "suspended" {
			owed := paidGov + paidDon - a.VerifiedSpendingFen
			g, d := fen(t, p["clawbackGovernmentFen"]), fen(t, p["clawbackDonationFen"])
			// Pro rata to what each source paid, every fen conserved: each part within a fen of its exact share.
			exactG := owed * paidGov
			if fen(t, p["clawbackFen"]) != owed || g+d != owed || g*(paidGov+paidDon) > exactG+(paidGov+paidDon) || g*(paidGov+paidDon) < exactG-(paidGov+paidDon) ||
				d == 0 || p["clawbackReturnedFen"] != fmt.Sprint(owed) {
				t.Errorf("clawback of %s: %v (government %d, donation %d), want %d owed pro rata to %d : %d, all returned", a.Title, p["clawbackFen"], g, d, owed, paidGov, paidDon)
			}
		} else if p["clawbackFen"] != "0" && p["clawbackFen"] != nil {
			t.Errorf("clawback of %s: %v", a.Title, p["clawbackFen"])
		}
	}
	if !sawMatchCap || !sawTopupCap {
		t.Errorf("the round has no capped match (%v) or no capped top-up (%v): the fixture lost its point", sawMatchCap, sawTopupCap)
	}
}

// checkMoney reconciles every money total across donations, funding, supervision's statistics and quarterly
// report and the CSV export, and the pool with the formula's shares and the prizes.
func checkMoney(t *testing.T, s *Suite, rec *demo.Record, selected []*demo.App) {
	t.Helper()
	auditor := s.Token("fp-auditor", []string{"AUDITOR"}, "")
	var cash, inKind, late, matched, toppedUp, disbursed, clawedBack, govPaid, prizes, returnedGov int64
	for _, a := range rec.Apps {
		cash, inKind, late = cash+a.CashAtCutoff, inKind+a.InKindFen, late+a.LateFen
		st, sum := s.Do("GET", "/v1/applications/"+a.ID+"/donationSummary?as_of="+url.QueryEscape(rec.Cutoff), auditor, nil)
		expect(t, "donation summary", st, sum, 200, "")
		if fen(t, sum["confirmedCashFen"]) != a.CashAtCutoff || fen(t, sum["confirmedInKindFen"]) != a.InKindFen {
			t.Errorf("%s at the cutoff: %v, want cash %d in kind %d (late money never counts)", a.Title, sum, a.CashAtCutoff, a.InKindFen)
		}
		// The naming right: the largest confirmed donor total, at least half the budget.
		if a.Index == 12 {
			if sum["namingRightDonorId"] != rec.Donors["陕西华岳公益基金会"] {
				t.Errorf("naming right of %s: %v, want the foundation %s", a.Title, sum["namingRightDonorId"], rec.Donors["陕西华岳公益基金会"])
			}
		} else if sum["namingRightDonorId"] != nil && sum["namingRightDonorId"] != "" {
			t.Errorf("naming right of %s: %v (no donor reached half the budget)", a.Title, sum["namingRightDonorId"])
		}
	}
	byPlan := map[string]map[string]any{}
	for _, a := range selected {
		p := a.Plan
		byPlan[a.ID] = p
		matched, toppedUp, disbursed, clawedBack = matched+fen(t, p["matchFen"]), toppedUp+fen(t, p["topupFen"]), disbursed+fen(t, p["disbursedFen"]), clawedBack+fen(t, p["clawbackFen"])
		returnedGov += fen(t, p["clawbackGovernmentFen"])
		for _, x := range p["tranches"].([]any) {
			if tr := x.(map[string]any); tr["state"] == "TRANCHE_STATE_PAID" {
				govPaid += fen(t, tr["governmentFen"])
			}
		}
	}
	for _, x := range rec.Prizes {
		prizes += fen(t, x.(map[string]any)["amountFen"])
	}
	if late == 0 || inKind == 0 || clawedBack == 0 {
		t.Fatalf("fixture: late %d, in kind %d, clawed back %d", late, inKind, clawedBack)
	}

	// Statistics (read in implementation, after the last money moved) against the owners' figures.
	total := rec.Statistics["total"].(map[string]any)
	got := []int64{fen(t, total["matchedFen"]), fen(t, total["toppedUpFen"]), fen(t, total["disbursedFen"]), fen(t, total["clawedBackFen"]),
		fen(t, total["depositedFen"]), fen(t, total["pledgedFen"])}
	// Pledged: every pledge but the refunded late one.
	want := []int64{matched, toppedUp, disbursed, clawedBack, cash, rec.PledgedFen - late}
	if !slices.Equal(got, want) {
		t.Errorf("statistics (matched, topped up, disbursed, clawed back, deposited, pledged) %v, want %v", got, want)
	}
	if total["projects"] != float64(len(selected)) || total["applications"] != float64(len(rec.Apps)) {
		t.Errorf("statistics counts: %v", total)
	}
	for _, x := range rec.Statistics["projects"].([]any) {
		line := x.(map[string]any)
		p, fig := byPlan[str(line["projectId"])], line["figures"].(map[string]any)
		if p == nil {
			t.Errorf("statistics line for a project without plan: %v", line)
			continue
		}
		a := rec.ByID[str(line["projectId"])]
		got := fmt.Sprintln(fig["budgetFen"], fig["depositedFen"], fig["inKindFen"], fig["matchedFen"], fig["toppedUpFen"], fig["disbursedFen"], fig["clawedBackFen"])
		exp := fmt.Sprintln(a.BudgetFen, a.CashAtCutoff, a.InKindFen, p["matchFen"], p["topupFen"], p["disbursedFen"], p["clawbackFen"])
		if got != exp {
			t.Errorf("statistics of %s (budget, deposited, in kind, matched, topped up, disbursed, clawed back): %q, want %q", a.Title, got, exp)
		}
	}
	completed := 0
	for _, a := range selected {
		if a.Fate == "completed" {
			completed++
		}
	}
	if total["evaluationsPassed"] != float64(2*completed) || total["evaluationsFailed"] != float64(1) {
		t.Errorf("statistics: %v evaluations passed, %v failed; want %d and 1", total["evaluationsPassed"], total["evaluationsFailed"], 2*completed)
	}
	var catDisbursed int64
	for _, c := range rec.Statistics["categories"].([]any) {
		catDisbursed += fen(t, c.(map[string]any)["disbursedFen"])
	}
	if catDisbursed != disbursed {
		t.Errorf("the categories' disbursements add up to %d, not %d", catDisbursed, disbursed)
	}

	// The quarterly report: each project's figures are funding's and donations' own, the totals their sums.
	q := rec.Quarterly
	sums := map[string]int64{}
	for _, x := range q["projects"].([]any) {
		line := x.(map[string]any)
		p, fig := byPlan[str(line["projectId"])], line["figures"].(map[string]any)
		if p == nil {
			t.Errorf("quarterly report line for a project without plan: %v", line)
			continue
		}
		a := rec.ByID[str(line["projectId"])]
		for field, want := range map[string]int64{"matchedFen": fen(t, p["matchFen"]), "toppedUpFen": fen(t, p["topupFen"]), "disbursedFen": fen(t, p["disbursedFen"]),
			"clawedBackFen": fen(t, p["clawbackFen"]), "depositedFen": a.CashAtCutoff, "inKindFen": a.InKindFen} {
			if fen(t, fig[field]) != want {
				t.Errorf("quarterly report, %s: %s = %v, want %d", a.Title, field, fig[field], want)
			}
			sums[field] += want
		}
	}
	if len(q["projects"].([]any)) != len(selected) {
		t.Errorf("quarterly report: %d projects, want %d", len(q["projects"].([]any)), len(selected))
	}
	if qt := q["totals"].(map[string]any); qt["pledgedFen"] != total["pledgedFen"] || qt["verifiedSpendingFen"] != total["verifiedSpendingFen"] {
		t.Errorf("quarterly totals %v, statistics %v", qt, total)
	}
	for field, sum := range sums {
		if fen(t, q["totals"].(map[string]any)[field]) != sum {
			t.Errorf("quarterly total %s = %v, want %d", field, q["totals"].(map[string]any)[field], sum)
		}
	}

	// The CSV export: one row per project, 已拨付 as funding says, in yuan.
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(rec.CSV, []byte{0xEF, 0xBB, 0xBF}))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != len(selected)+1 || records[0][11] != "已拨付(元)" {
		t.Fatalf("csv: %q", records)
	}
	for _, r := range records[1:] {
		if p := byPlan[r[0]]; p == nil || r[11] != yuanOf(fen(t, p["disbursedFen"])) {
			t.Errorf("csv row %q: want 已拨付 %s", r, yuanOf(fen(t, byPlan[r[0]]["disbursedFen"])))
		}
	}

	// The pool: allocated, nothing committed once every plan is finished, paid = prizes + government shares of
	// paid tranches, returned = the clawback's government part.
	pool := rec.Pool
	if fen(t, pool["allocatedFen"]) != rec.PoolAllocatedFen || fen(t, pool["committedFen"]) != 0 || fen(t, pool["paidFen"]) != govPaid+prizes ||
		fen(t, pool["returnedFen"]) != returnedGov || fen(t, pool["availableFen"]) != rec.PoolAllocatedFen-govPaid-prizes+returnedGov {
		t.Errorf("pool %v, want allocated %d, paid %d + %d, returned %d", pool, rec.PoolAllocatedFen, govPaid, prizes, returnedGov)
	}
	// The charity federation's ledger: what is left in each project's earmark is its cash at the cutoff, less
	// the donation shares released with the paid tranches, plus the clawback's donation part returned.
	for _, a := range selected {
		var released int64
		for _, x := range a.Plan["tranches"].([]any) {
			if tr := x.(map[string]any); tr["state"] == "TRANCHE_STATE_PAID" {
				released += fen(t, tr["donationFen"])
			}
		}
		want := a.CashAtCutoff - released + fen(t, a.Plan["clawbackDonationFen"])
		got, moves := earmarkBalance(t, s, auditor, a.ID)
		if a.CashAtCutoff > 0 && moves < 2 || got != want {
			t.Errorf("earmark of %s in the donations ledger: %d after %d transfers, want %d = %d cash − %d released + %v returned", a.Title, got, moves, want,
				a.CashAtCutoff, released, a.Plan["clawbackDonationFen"])
		}
	}
	for name, v := range rec.Ledgers {
		if v["balanced"] != true || v["chainsIntact"] != true {
			t.Errorf("ledger %s: %v", name, v)
		}
	}
	for path, hs := range rec.Heads {
		if len(hs) == 0 {
			t.Errorf("%s: no heads", path)
		}
		for _, h := range hs {
			if h["intact"] != true || len(str(h["hash"])) != 64 {
				t.Errorf("%s: head %v", path, h)
			}
		}
	}
}

// checkStages: every application's final stage as the signed-off results and the complaints say.
func checkStages(t *testing.T, s *Suite, rec *demo.Record, selected []*demo.App) {
	t.Helper()
	prize := map[string]bool{}
	for _, x := range rec.Prizes {
		prize[str(x.(map[string]any)["applicationId"])] = true
	}
	operator := s.Token("fp-operator", []string{"OPERATOR"}, "")
	for _, a := range rec.Apps {
		want := "STAGE_NOT_SELECTED"
		switch {
		case a.Rejected:
			want = ""
		case slices.Contains(selected, a):
			want = "STAGE_SELECTED"
		case prize[a.ID]:
			want = "STAGE_IDEA_PRIZE"
		case a.Disqualified:
			want = "STAGE_DISQUALIFIED"
		case !slices.Contains(rec.Shortlist, a.ID):
			want = "STAGE_NOT_SHORTLISTED"
		}
		st, body := s.Do("GET", "/v1/applications/"+a.ID, operator, nil)
		expect(t, "application", st, body, 200, "")
		if got := str(body["stage"]); want != "" && got != want || want == "" && body["status"] != "APPLICATION_STATUS_REJECTED" {
			t.Errorf("%s: stage %s status %v, want %q", a.Title, got, body["status"], want)
		}
	}
}

// earmarkBalance is what the donations ledger's transfers leave in an application's earmark account: posted
// transfers and pending ones not voided (a posting only confirms its pending transfer's amount), and how many
// transfers moved money in or out of it.
func earmarkBalance(t *testing.T, s *Suite, token, appID string) (balance int64, moves int) {
	t.Helper()
	var transfers []map[string]any
	next := ""
	for pages := 0; ; pages++ {
		if pages > 50 {
			t.Fatal("the list of transfers does not end")
		}
		q := url.Values{"application_id": {appID}, "page_size": {"100"}}
		if next != "" {
			q.Set("page_token", next)
		}
		st, body := s.Do("GET", "/v1/ledger/transfers?"+q.Encode(), token, nil)
		expect(t, "ledger transfers", st, body, 200, "")
		for _, x := range body["transfers"].([]any) {
			transfers = append(transfers, x.(map[string]any))
		}
		if next = str(body["nextPageToken"]); body["nextPageToken"] == nil || next == "" {
			break
		}
	}
	voided := map[string]bool{}
	for _, tr := range transfers {
		if tr["kind"] == "TRANSFER_KIND_VOID_PENDING" {
			voided[str(tr["pendingTransferId"])] = true
		}
	}
	account := "earmarked:" + appID
	for _, tr := range transfers {
		if tr["kind"] != "TRANSFER_KIND_POSTED" && (tr["kind"] != "TRANSFER_KIND_PENDING" || voided[str(tr["transferId"])]) {
			continue
		}
		if tr["creditAccount"] == account {
			balance, moves = balance+fen(t, tr["amountFen"]), moves+1
		}
		if tr["debitAccount"] == account {
			balance, moves = balance-fen(t, tr["amountFen"]), moves+1
		}
	}
	return balance, moves
}
