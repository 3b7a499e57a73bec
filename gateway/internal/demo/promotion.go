package demo

// Promotion, final review and approval: voters, donors and pledges, the finalists' money.

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// The demo's donors and what each gives (DOMAIN.md: pledges during PUBLICITY and PROMOTION).
type gift struct {
	donor   int // index into donorSpecs
	app     int
	fen     int64
	inKind  bool
	late    bool // deposited after the cutoff
	pledge  string
	bankRef string
}

var donorSpecs = []struct{ name, kind string }{
	{"渭南秦川建材有限公司", "DONOR_KIND_ENTERPRISE"},
	{"陕西华岳公益基金会", "DONOR_KIND_FOUNDATION"},
	{"渭南惠民超市连锁有限公司", "DONOR_KIND_ENTERPRISE"},
	{"临渭区商会", "DONOR_KIND_ENTERPRISE"},
}

func (d *driver) donorsAndPledges() {
	d.rec.gifts = []*gift{
		{donor: 0, app: appRehab, fen: 30_000_000},                    // 300,000: match capped at 500,000, topped up
		{donor: 1, app: appChildren, fen: 12_000_000},                 // 120,000 of 200,000: the naming right
		{donor: 3, app: appChildren, fen: 3_000_000},                  // 30,000 more from another donor
		{donor: 2, app: appMealService, fen: 2_000_000},               // 20,000 cash
		{donor: 2, app: appMealService, fen: 5_000_000, inKind: true}, // 50,000 of food, appraised
		{donor: 3, app: 18, fen: 8_000_000},                           // 80,000 of 300,000
		{donor: 3, app: 4, fen: 1_234_567},                            // 12,345.67: rounding in the scores
		{donor: 0, app: appLateDonation, fen: 1_000_000, late: true},  // arrives after the cutoff
	}
	for i, s := range donorSpecs {
		user := d.token(fmt.Sprintf("demo-%s-donor-%d", d.run, i), []string{"DONOR"}, "", "")
		code, err := uscc(d.run + fmt.Sprintf("9%02d", i))
		if err != nil {
			d.fail("donor credit code", "%v", err)
		}
		donor := d.ok("donor "+s.name, "POST", "/v1/donors", user, map[string]any{"name": s.name, "kind": s.kind, "uscc": code})
		d.rec.Donors[s.name] = Str(donor["id"])
		d.rec.donorTokens = append(d.rec.donorTokens, user)
	}
	for i, g := range d.rec.gifts {
		a := d.rec.Apps[g.app]
		kind, desc := "PLEDGE_KIND_CASH", "定向捐助"
		if g.inKind {
			kind, desc = "PLEDGE_KIND_IN_KIND", "米面油等食品物资"
		}
		p := d.ok("pledge", "POST", "/v1/pledges", d.rec.donorTokens[g.donor], map[string]any{"donorId": d.rec.Donors[donorSpecs[g.donor].name],
			"applicationId": a.ID, "amountFen": g.fen, "kind": kind, "agreementRef": fmt.Sprintf("渭慈协〔2026〕%s-%02d号", d.run, i), "description": desc})
		g.pledge = Str(p["id"])
		d.rec.PledgedFen += g.fen
		d.say("pledge: %s → 《%s》 %s yuan %s", donorSpecs[g.donor].name, a.Title, Yuan(g.fen), map[bool]string{true: "in kind", false: "cash"}[g.inKind])
	}
}

func (d *driver) promotion() {
	// Deposits and the in-kind appraisal.
	for i, g := range d.rec.gifts {
		a := d.rec.Apps[g.app]
		switch {
		case g.late:
		case g.inKind:
			d.ok("appraise", "POST", "/v1/pledges/"+g.pledge+":appraise", d.operator, map[string]any{"valueFen": g.fen, "notes": "按供货商报价评估"})
			d.ok("approve appraisal", "POST", "/v1/pledges/"+g.pledge+":approveAppraisal", d.organizer, map[string]any{})
			a.InKindFen += g.fen
			d.say("in-kind donation appraised by the operator and approved by the organizer: %s yuan", Yuan(g.fen))
		default:
			g.bankRef = fmt.Sprintf("BOC-%s-%04d", d.run, i)
			dep := d.ok("deposit", "POST", "/v1/pledges/"+g.pledge+":confirmDeposit", d.federation, map[string]any{"bankReference": g.bankRef,
				"amountFen": g.fen, "depositedAt": time.Now().Add(-time.Second).UTC().Format(time.RFC3339Nano)})
			a.CashAtCutoff += g.fen
			d.say("deposit confirmed by the charity federation: %s yuan for 《%s》, receipt %s", Yuan(g.fen), a.Title, Str(dep["receiptNumber"]))
		}
	}
	// Votes: voter v votes for the k-th finalist when (v+k) % (k%4+2) != 0, so tallies differ.
	var finalists []*App
	for _, id := range d.rec.Shortlist {
		if a := d.rec.ByID[id]; a != nil && !a.Disqualified {
			finalists = append(finalists, a)
		}
	}
	d.rec.finalists = finalists
	type vote struct {
		v int
		a *App
	}
	var votes []vote
	for v := range d.rec.voters {
		for k, a := range finalists {
			if (v+k)%(k%4+2) != 0 {
				votes = append(votes, vote{v, a})
			}
		}
	}
	var mu sync.Mutex
	d.parallel(len(votes), func(i int) {
		x := votes[i]
		vt := d.rec.voters[x.v]
		st, body, _, _, err := vt.c.do(d.ctx, "POST", "/v1/rounds/"+d.rec.RoundID+"/applications/"+x.a.ID+"/votes", "", map[string]any{}, "X-Voter-Token", vt.token)
		if err != nil || st != 200 {
			d.fail("vote", "%d %s %v %v", st, Reason(body), body["message"], err)
		}
		mu.Lock()
		x.a.Votes++
		mu.Unlock()
	})
	d.say("%d votes cast by %d voters for %d finalists", len(votes), len(d.rec.voters), len(finalists))
	// A second vote of the same day for the same application is refused.
	vt := d.rec.voters[0]
	st, body, _, _, err := vt.c.do(d.ctx, "POST", "/v1/rounds/"+d.rec.RoundID+"/applications/"+votes[0].a.ID+"/votes", "", map[string]any{}, "X-Voter-Token", vt.token)
	if err != nil || st == 200 {
		d.fail("second vote", "a second vote of the day was accepted: %d %v %v", st, body, err)
	}
	d.say("a second vote the same day for the same project is refused (%d %s)", st, Reason(body))
}

func (d *driver) finalReview() {
	round := d.advance("PHASE_FINAL_REVIEW")
	d.rec.Cutoff = Str(round["donationCutoff"])
	d.say("FINAL_REVIEW (入选评审): voting closed; donation cutoff %s", d.rec.Cutoff)
	for i, g := range d.rec.gifts {
		if !g.late {
			continue
		}
		g.bankRef = fmt.Sprintf("BOC-%s-%04d", d.run, i)
		dep := d.ok("late deposit", "POST", "/v1/pledges/"+g.pledge+":confirmDeposit", d.federation, map[string]any{"bankReference": g.bankRef,
			"amountFen": g.fen, "depositedAt": time.Now().UTC().Format(time.RFC3339Nano)})
		if dep["late"] != true {
			d.fail("late deposit", "a deposit after the cutoff is not marked late: %v", dep)
		}
		d.rec.Apps[g.app].LateFen += g.fen
		d.say("a deposit after the cutoff is recorded LATE: %s yuan (counts for neither score nor matching)", Yuan(g.fen))
	}
	// The final panel: 20 members, two of them donor representatives.
	reps := map[int]string{18: d.rec.Donors[donorSpecs[0].name], 19: d.rec.Donors[donorSpecs[1].name]}
	members := d.members("fin", 20, reps)
	panel := d.ok("final panel", "POST", "/v1/rounds/"+d.rec.RoundID+"/panels", d.operator, map[string]any{"stage": "REVIEW_STAGE_FINAL", "members": members})
	recused := map[[2]string]bool{}
	for _, r := range listOf(panel, "recusals") {
		recused[[2]string{Str(r["reviewerId"]), Str(r["applicationId"])}] = true
	}
	d.say("final panel of 20 with 2 donor representatives; %d recusals detected (a donor's representative on its donor's projects)", len(recused))
	for k := range recused {
		d.refused("a recused donor representative scores", 412, "REVIEWER_RECUSED", "POST", "/v1/panels/"+Str(panel["id"])+"/scores", d.operator,
			map[string]any{"applicationId": k[1], "reviewerId": k[0], "criteria": Criteria(60, 30)})
		break
	}
	n := d.score(Str(panel["id"]), members, d.rec.finalists, recused, func(a *App, m int) map[string]int {
		total := specs[a.Index].finalPts + m%7 - 3
		if m == 0 && a.Index == appRehab {
			total = 55 // one harsh member: trimmed
		}
		idea := total * 65 / 100
		return Criteria(idea, total-idea)
	}, func(a *App, c map[string]int) { a.FinalScores = append(a.FinalScores, c) })
	d.say("%d final scores recorded", n)

	// The pool, before the results: welfare-lottery funds in two allocations.
	for _, p := range []struct {
		fen int64
		ref string
	}{{250_000_000, "渭福彩〔2026〕" + d.run + "-1号"}, {50_000_000, "渭福彩〔2026〕" + d.run + "-2号"}} {
		d.ok("allocate", "POST", "/v1/rounds/"+d.rec.RoundID+"/pool:allocate", d.lottery, map[string]any{"amountFen": p.fen, "sourceReference": p.ref})
		d.rec.PoolAllocatedFen += p.fen
	}
	d.say("welfare-lottery fund allocated to the pool: %s yuan", Yuan(d.rec.PoolAllocatedFen))
	d.advanceRefused("PHASE_APPROVAL", "RESULTS_NOT_COMPUTED")
	d.rec.Computed = d.ok("compute results", "POST", "/v1/rounds/"+d.rec.RoundID+"/results:compute", d.operator, map[string]any{}, d.cfg.ComputeHeaders...)
	d.say("results computed: reviews asked applications, donations (confirmed at the cutoff) and funding (quotes, pool)")
}

func (d *driver) approval() {
	d.advance("PHASE_APPROVAL")
	d.say("APPROVAL (审批公告)")
	d.advanceRefused("PHASE_IMPLEMENTATION", "RESULTS_NOT_SIGNED_OFF")
	d.ok("approve", "POST", "/v1/rounds/"+d.rec.RoundID+"/results:approve", d.organizer, map[string]any{})
	d.ok("sign off", "POST", "/v1/rounds/"+d.rec.RoundID+"/results:signOff", d.committee, map[string]any{})
	d.rec.Public = d.ok("public results", "GET", "/v1/rounds/"+d.rec.RoundID+"/results", "", nil)
	d.say("results approved by the organizer, signed off by the committee and published")
	// Stages land in applications through reviews' outbox.
	deadline := time.Now().Add(30 * time.Second)
	for _, e := range listOf(d.rec.Public, "entries") {
		a := d.rec.ByID[Str(e["applicationId"])]
		want := "STAGE_NOT_SELECTED"
		switch {
		case e["selected"] == true:
			want = "STAGE_SELECTED"
		case Fen(e["ideaPrizeTier"]) > 0:
			want = "STAGE_IDEA_PRIZE"
		}
		for {
			app := d.ok("read stage", "GET", "/v1/applications/"+a.ID, d.operator, nil)
			a.FinalStage = Str(app["stage"])
			if a.FinalStage == want || e["finalist"] != true && want == "STAGE_NOT_SELECTED" && a.FinalStage != "STAGE_SHORTLISTED" {
				break
			}
			if time.Now().After(deadline) {
				d.fail("stages", "《%s》: stage %s, want %s", a.Title, a.FinalStage, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	// Late money counts for nothing: it goes back to its donor.
	for _, g := range d.rec.gifts {
		if g.late {
			p := d.ok("refund", "POST", "/v1/pledges/"+g.pledge+":refund", d.federation, map[string]any{"reason": "捐赠款在截止时点后到账，按捐赠人意愿退回"})
			d.say("the late donation of %s yuan is refunded to %s (%s)", Yuan(g.fen), donorSpecs[g.donor].name, Str(p["state"]))
		}
	}
	d.advance("PHASE_IMPLEMENTATION")
	d.say("IMPLEMENTATION (项目实施)")
}

// selected are the selected projects in rank order.
func (d *driver) selected() []*App {
	var out []*App
	for _, e := range listOf(d.rec.Public, "entries") {
		if e["selected"] == true {
			out = append(out, d.rec.ByID[Str(e["applicationId"])])
		}
	}
	return out
}

func (d *driver) tranche(planID string, n int, verb, token string, body map[string]any) map[string]any {
	if body == nil {
		body = map[string]any{}
	}
	return d.ok(fmt.Sprintf("tranche %d %s", n, verb), "POST", fmt.Sprintf("/v1/plans/%s/tranches/%d:%s", planID, n, verb), token, body)
}

func (d *driver) payTranche(a *App, n int) {
	id := Str(a.Plan["id"])
	d.tranche(id, n, "request", d.operator, nil)
	d.tranche(id, n, "approve", d.organizer, nil)
	t := d.tranche(id, n, "pay", d.finance, map[string]any{"share": "SHARE_GOVERNMENT", "paymentReference": fmt.Sprintf("GOV-%s-%s-%d", d.run, id[:8], n)})
	if Fen(a.Plan["donationFen"]) > 0 {
		t = d.tranche(id, n, "pay", d.federation, map[string]any{"share": "SHARE_DONATION", "paymentReference": fmt.Sprintf("DON-%s-%s-%d", d.run, id[:8], n)})
	}
	if t["state"] != "TRANCHE_STATE_PAID" {
		d.fail("tranche", "tranche %d of 《%s》 not paid: %v", n, a.Title, t)
	}
	d.say("tranche %d of 《%s》 paid: government %s + donation %s yuan", n, a.Title, Yuan(Fen(t["governmentFen"])), Yuan(Fen(t["donationFen"])))
}

func (d *driver) evaluate(a *App, kind, result string, spent int64) {
	d.ok("evaluation", "POST", "/v1/projects/"+a.ID+"/evaluations", d.operator, map[string]any{"kind": kind, "result": result,
		"verifiedSpendingFen": spent, "findings": "现场核查活动记录与账目凭证"})
	a.VerifiedSpendingFen = spent
	d.say("%s of 《%s》: %s, verified spending %s yuan", strings.TrimPrefix(kind, "EVALUATION_KIND_"), a.Title, strings.TrimPrefix(result, "EVALUATION_RESULT_"), Yuan(spent))
}
