package demo

// Implementation and the close: contracts, tranches, supervision, reports, closing and verification.

import (
	"fmt"
	"net/url"
	"time"
)

func (d *driver) implementation() {
	prizes := d.ok("idea prizes", "POST", "/v1/rounds/"+d.rec.RoundID+"/ideaPrizes:pay", d.organizer, map[string]any{})
	d.rec.Prizes = asList(prizes["prizes"])
	for _, p := range listOf(prizes, "prizes") {
		d.say("idea prize (优秀创意) tier %v, %s yuan, certificate %s: 《%s》", p["tier"], Yuan(Fen(p["amountFen"])), Str(p["certificateNumber"]), d.rec.ByID[Str(p["applicationId"])].Title)
	}
	plans := d.ok("create plans", "POST", "/v1/rounds/"+d.rec.RoundID+"/plans:create", d.organizer, map[string]any{})
	for _, p := range listOf(plans, "plans") {
		d.rec.ByID[Str(p["applicationId"])].Plan = p
	}
	sel := d.selected()
	d.say("%d funding plans created (donation share + match + top-up, three tranches 50/30/20)", len(sel))
	d.refused("tranche 1 before the contract is signed", 412, "CONTRACT_NOT_SIGNED", "POST", "/v1/plans/"+Str(sel[0].Plan["id"])+"/tranches/1:request", d.operator, map[string]any{})
	for _, a := range sel {
		id := Str(a.Plan["id"])
		for party, token := range map[string]string{"CONTRACT_PARTY_ORGANIZER": d.organizer, "CONTRACT_PARTY_OPERATOR": d.operator, "CONTRACT_PARTY_TEAM": a.Team} {
			d.ok("sign "+party, "POST", "/v1/plans/"+id+"/contract:sign", token, map[string]any{"party": party})
		}
		d.ok("payee", "POST", "/v1/plans/"+id+"/payee", a.Team, map[string]any{"bank": "渭南银行临渭支行", "accountName": a.Org,
			"accountNumber": fmt.Sprintf("6222020%s%08d", d.run, a.Index)})
		d.ok("confirm payee", "POST", "/v1/plans/"+id+"/payee:confirm", d.operator, map[string]any{})
	}
	d.say("contracts (项目合同) signed by organizer, operator and each team; payee accounts confirmed")
	d.advanceRefused("PHASE_CLOSING", "PROJECTS_NOT_FINISHED")

	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		d.fail("time zone", "%v", err)
	}
	period := time.Now().In(shanghai).Format("2006-01")
	// The suspended project: the one with the smallest cash donation (its clawback is split between the
	// sources); the terminated one: the last selected of the others.
	var suspended, terminated *App
	for _, a := range sel {
		if c := Fen(a.Plan["donationFen"]); c > 0 && (suspended == nil || c < Fen(suspended.Plan["donationFen"])) {
			suspended = a
		}
	}
	for _, a := range sel {
		if a != suspended {
			terminated = a
		}
	}
	if suspended == nil {
		suspended = sel[0]
	}
	d.rec.Suspended, d.rec.Terminated = suspended, terminated
	for _, a := range sel {
		if a == terminated {
			continue
		}
		d.payTranche(a, 1)
		total := Fen(a.Plan["totalFen"])
		lines := budgetLines(total / 5)
		var spending []any
		for _, l := range lines {
			spending = append(spending, map[string]any{"budgetLine": l["name"], "amountFen": l["amountFen"]})
		}
		d.ok("monthly report", "POST", "/v1/projects/"+a.ID+"/monthlyReports", a.Team, map[string]any{"period": period,
			"activities": "开展入户走访与集中活动，建立服务台账。", "beneficiariesServed": 30 + a.Index, "spending": spending})
	}
	d.say("monthly reports (月报) filed for %s by every active project", period)
	d.ok("inspection", "POST", "/v1/projects/"+sel[0].ID+"/inspections", d.operator, map[string]any{"visitedOn": time.Now().In(shanghai).Format(time.DateOnly),
		"findings": "服务台账完整，现场秩序良好。", "rating": "INSPECTION_RATING_GOOD"})
	d.say("on-site inspection (现场检查) of 《%s》: good", sel[0].Title)

	for _, a := range sel {
		switch a {
		case terminated:
			id := Str(a.Plan["id"])
			d.ok("request termination", "POST", "/v1/plans/"+id+":requestTermination", a.Team, map[string]any{"reason": "服务场地因城市改造被征收，项目无法继续（不可抗力）"})
			d.ok("approve termination", "POST", "/v1/plans/"+id+":approveTermination", d.organizer, map[string]any{})
			d.ok("approve termination", "POST", "/v1/plans/"+id+":approveTermination", d.operator, map[string]any{})
			a.Fate = "terminated"
			d.say("《%s》 terminated for force majeure with the organizer's and the operator's approval", a.Title)
		case suspended:
			id := Str(a.Plan["id"])
			disbursed := Fen(a.Plan["totalFen"]) / 2
			d.evaluate(a, "EVALUATION_KIND_MIDTERM", "EVALUATION_RESULT_FAILED", disbursed*3/5)
			d.refused("tranche 2 before the mid-term evaluation passed", 412, "MIDTERM_NOT_PASSED", "POST", fmt.Sprintf("/v1/plans/%s/tranches/2:request", id), d.operator, map[string]any{})
			d.ok("suspend", "POST", "/v1/plans/"+id+":suspend", d.organizer, map[string]any{"reason": "中期评估未通过，资金挪作他用"})
			cb := d.ok("clawback", "POST", "/v1/plans/"+id+":clawback", d.organizer, map[string]any{"reason": "追缴已拨付未使用资金"})
			d.rec.ClawbackFen = Fen(cb["clawbackFen"])
			d.ok("return government part", "POST", "/v1/plans/"+id+"/clawback:return", d.finance, map[string]any{"share": "SHARE_GOVERNMENT",
				"amountFen": Fen(cb["clawbackGovernmentFen"]), "paymentReference": "RET-GOV-" + d.run})
			if Fen(cb["clawbackDonationFen"]) > 0 {
				d.ok("return donation part", "POST", "/v1/plans/"+id+"/clawback:return", d.federation, map[string]any{"share": "SHARE_DONATION",
					"amountFen": Fen(cb["clawbackDonationFen"]), "paymentReference": "RET-DON-" + d.run})
			}
			a.Fate = "suspended"
			d.say("《%s》 suspended; clawback (追缴) of %s yuan (government %s, donation %s) returned to its sources", a.Title, Yuan(d.rec.ClawbackFen),
				Yuan(Fen(cb["clawbackGovernmentFen"])), Yuan(Fen(cb["clawbackDonationFen"])))
		default:
			total := Fen(a.Plan["totalFen"])
			d.evaluate(a, "EVALUATION_KIND_MIDTERM", "EVALUATION_RESULT_PASSED", total*45/100)
			d.payTranche(a, 2)
			d.evaluate(a, "EVALUATION_KIND_FINAL_ACCEPTANCE", "EVALUATION_RESULT_PASSED", total*98/100)
			d.payTranche(a, 3)
			a.Fate = "completed"
		}
	}
	now := time.Now().In(shanghai)
	d.rec.Quarterly = d.ok("quarterly report", "POST", "/v1/rounds/"+d.rec.RoundID+"/quarterlyReports", d.operator, map[string]any{"year": now.Year(),
		"quarter": (int(now.Month())-1)/3 + 1, "narrative": "本季度各项目按计划推进，一项中止并追缴，一项因不可抗力终止。"})
	d.say("quarterly report (季报) drafted from funding's and donations' figures and filed by the operator")
	d.rec.Statistics = d.ok("statistics", "GET", "/v1/rounds/"+d.rec.RoundID+"/statistics", d.finance, nil)
	st, _, raw, _, err := d.c.do(d.ctx, "GET", "/v1/rounds/"+d.rec.RoundID+"/exports/projects.csv", d.finance, nil)
	if err != nil || st != 200 {
		d.fail("CSV export", "%d %v", st, err)
	}
	d.rec.CSV = raw
	d.say("statistics and the CSV export (%d bytes) read by the finance bureau", len(raw))
}

func (d *driver) closing() {
	d.advance("PHASE_CLOSING")
	d.say("CLOSING (项目总结)")
	d.advanceRefused("PHASE_CLOSED", "ROUND_SUMMARY_MISSING")
	d.refused("the round summary before the final summaries", 412, "FINAL_SUMMARIES_MISSING", "POST", "/v1/rounds/"+d.rec.RoundID+"/roundSummary", d.organizer,
		map[string]any{"summary": "x"})
	for _, a := range d.selected() {
		spent := a.VerifiedSpendingFen
		d.ok("final summary", "POST", "/v1/projects/"+a.ID+"/finalSummary", a.Team, map[string]any{"summary": "《" + a.Title + "》项目总结：完成年度服务目标。",
			"outcomes": "服务对象满意度95%", "beneficiariesServed": 100 + a.Index, "spentFen": spent})
		score := map[string]int{"completed": 92, "suspended": 48, "terminated": 70}[a.Fate]
		d.ok("performance evaluation", "POST", "/v1/projects/"+a.ID+"/performanceEvaluation", d.operator, map[string]any{"score": score, "findings": "绩效考评：" + a.Fate})
	}
	d.say("final summaries by every team and performance evaluations (绩效考评) by the operator")
	d.ok("round summary", "POST", "/v1/rounds/"+d.rec.RoundID+"/roundSummary", d.organizer, map[string]any{"summary": "2026年度公益创投活动圆满完成。"})
	d.advance("PHASE_CLOSED")
	d.say("round summary filed; the round is CLOSED")
}

func (d *driver) readBack() {
	for _, a := range d.selected() {
		a.Plan = d.ok("plan", "GET", "/v1/applications/"+a.ID+"/plan", d.auditor, nil)
	}
	d.rec.Pool = d.ok("pool", "GET", "/v1/rounds/"+d.rec.RoundID+"/pool", d.auditor, nil)
}

func (d *driver) verify() {
	for name, path := range map[string]string{"donations": "/v1/ledger:verify", "funding": "/v1/funding/ledger:verify"} {
		v := d.ok("verify "+name, "GET", path, d.auditor, nil)
		if v["balanced"] != true || v["chainsIntact"] != true {
			d.fail("ledger:verify "+name, "not balanced or chains broken: %v", v)
		}
		d.rec.Ledgers[name] = v
	}
	for _, path := range []string{"/v1/ledger/heads", "/v1/funding/ledger/heads", "/v1/phaseChanges/heads"} {
		heads := listOf(d.ok("heads", "GET", path, "", nil), "heads")
		for _, h := range heads {
			q := url.Values{"chain": {Str(h["chain"])}, "sequence": {Str(h["sequence"])}, "hash": {Str(h["hash"])}}
			if h["sequence"] == nil {
				q.Set("sequence", "0")
			}
			chk := d.ok("check head", "GET", path+":check?"+q.Encode(), "", nil)
			if chk["intact"] != true {
				d.fail("heads:check", "%s %v: %v", path, h, chk)
			}
			h["intact"] = chk["intact"]
		}
		d.rec.Heads[path] = heads
	}
}
