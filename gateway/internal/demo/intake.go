package demo

// Intake and reviews: the call for proposals, initial review, shortlisting and publicity.

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// callForProposals: tokens, organisations, the round, thirty applications and their initial review.
func (d *driver) callForProposals() {
	d.organizer = d.token("demo-organizer", []string{"ORGANIZER"}, "", "")
	d.operator = d.token("demo-operator", []string{"OPERATOR"}, "", "")
	d.committee = d.token("demo-committee", []string{"COMMITTEE"}, "", "")
	d.finance = d.token("demo-finance", []string{"FINANCE"}, "", "")
	d.federation = d.token("demo-federation", []string{"CHARITY_FEDERATION"}, "", "")
	d.lottery = d.token("demo-lottery", []string{"LOTTERY_CENTER"}, "", "")
	d.auditor = d.token("demo-auditor", []string{"AUDITOR"}, "", "")
	d.say("dev tokens for 市民政局 (organizer), 承办单位 (operator), 领导小组 (committee), 财政局, 慈善会, 福彩中心, 审计")

	// Organisations first: they exist before any round.
	for i, sp := range specs {
		a := &App{Index: i, Title: sp.title, Org: sp.org, Category: categories[sp.category], BudgetFen: sp.budgetYuan * 100}
		registrar := d.token(fmt.Sprintf("demo-%s-registrar-%d", d.run, i), []string{"APPLICANT"}, "", "")
		var org map[string]any
		if sp.person != "" {
			run, _ := strconv.Atoi(d.run)
			id, err := residentID(run, i)
			if err != nil {
				d.fail("resident ID", "%v", err)
			}
			a.Org, a.IdeaOnly = sp.person+"（个人）", true
			org = d.ok("register individual", "POST", "/v1/organizations", registrar, map[string]any{"name": sp.person, "kind": "ORGANIZATION_KIND_INDIVIDUAL",
				"idNumber": id, "contactPhone": "139" + d.run + fmt.Sprintf("%04d", i)})
		} else {
			code, err := uscc(d.run + fmt.Sprintf("%03d", i))
			if err != nil {
				d.fail("credit code", "%v", err)
			}
			org = d.ok("register organisation", "POST", "/v1/organizations", registrar, map[string]any{"name": sp.org,
				"kind": "ORGANIZATION_KIND_SOCIAL_ORGANIZATION", "uscc": code})
			d.ok("verify organisation", "POST", "/v1/organizations/"+Str(org["id"])+":verify", d.operator,
				map[string]any{"evidence": "市民政局社会组织登记档案：" + code})
		}
		a.OrgID = Str(org["id"])
		a.Team = d.token(fmt.Sprintf("demo-%s-team-%d", d.run, i), []string{"APPLICANT"}, a.OrgID, "")
		d.rec.Apps = append(d.rec.Apps, a)
	}
	d.say("registered 27 social organisations (credit codes checked) and verified them; 3 individuals with an idea")

	// The round: durations in seconds.
	d.rec.ShortlistQuota, d.rec.SelectionQuota = 12, 8
	d.rec.IdeaTiers = [][3]int64{{1, 300_000, 1}, {2, 200_000, 1}, {3, 100_000, 2}}
	var tiers []any
	for _, t := range d.rec.IdeaTiers {
		tiers = append(tiers, map[string]any{"tier": t[0], "amountFen": t[1], "count": t[2]})
	}
	deadline := time.Now().Add(d.cfg.SubmissionWindow).UTC()
	round := d.ok("create round", "POST", "/v1/rounds", d.organizer, map[string]any{
		"name": fmt.Sprintf("2026年度临渭区公益创投活动（演示 %s）", d.run), "year": 2026,
		"notice": map[string]any{"title": "2026年度公益创投活动公告", "body": "现将2026年度公益创投活动有关事项公告如下：面向临渭区登记的公益性社会组织征集为老、助残、青少年、救助帮困及其它公益服务项目。"},
		"policy": map[string]any{"submissionDeadline": deadline.Format(time.RFC3339Nano), "publicityPeriod": d.cfg.PublicityPeriod.String(),
			"shortlistQuota": d.rec.ShortlistQuota, "selectionQuota": d.rec.SelectionQuota, "ideaPrizeTiers": tiers}})
	d.rec.RoundID = Str(round["id"])
	d.say("round %s created (DRAFT): shortlist 12, selection 8, publicity %s, submissions until %s", d.rec.RoundID, d.cfg.PublicityPeriod, deadline.Format(time.TimeOnly))
	d.advance("PHASE_SOLICITATION")
	d.say("round published: SOLICITATION (项目征集)")

	for _, a := range d.rec.Apps {
		sp := specs[a.Index]
		body := map[string]any{"orgId": a.OrgID, "category": a.Category, "title": a.Title,
			"summary":          sp.title + "：立足" + sp.area + "，回应辖区群众的迫切需求。",
			"budgetItems":      budgetLines(a.BudgetFen),
			"durationMonths":   12,
			"serviceArea":      []any{"临渭区" + sp.area},
			"beneficiaries":    map[string]any{"group": "临渭区" + sp.area + "居民", "estimatedCount": 100 + 10*a.Index},
			"team":             []any{map[string]any{"name": "项目负责人" + fmt.Sprint(a.Index+1), "role": "项目负责人", "qualification": "社会工作师"}},
			"expectedOutcomes": []any{"服务对象满意度90%以上"}, "evaluationIndicators": []any{"服务人次", "满意度"},
			"declarations": map[string]any{"noGovernmentProvision": true, "notFundedElsewhere": true}}
		app := d.ok("draft "+a.Title, "POST", "/v1/rounds/"+d.rec.RoundID+"/applications", a.Team, body)
		a.ID = Str(app["id"])
		d.rec.ByID[a.ID] = a
		sub := d.ok("submit "+a.Title, "POST", "/v1/applications/"+a.ID+":submit", a.Team, map[string]any{"etag": app["etag"]})
		switch a.Index {
		case appLateReview:
			continue // waits for initial review past the deadline
		case appReturned:
			ret := d.ok("return "+a.Title, "POST", "/v1/applications/"+a.ID+":review", d.operator, map[string]any{"decision": "REVIEW_DECISION_RETURN",
				"reasons": []any{"预算明细不完整，请补充活动组织费用说明"}, "etag": sub["etag"]})
			upd := d.ok("revise "+a.Title, "PATCH", "/v1/applications/"+a.ID, a.Team, map[string]any{"etag": ret["etag"], "updateMask": "summary",
				"summary": sp.title + "：补充了活动组织费用说明（修改完善后再度申报）。"})
			sub = d.ok("resubmit "+a.Title, "POST", "/v1/applications/"+a.ID+":submit", a.Team, map[string]any{"etag": upd["etag"]})
			d.say("初审 returned 《%s》; the team revised and resubmitted it", a.Title)
		case appRejected:
			d.ok("reject "+a.Title, "POST", "/v1/applications/"+a.ID+":review", d.operator, map[string]any{"decision": "REVIEW_DECISION_REJECT",
				"reasons": []any{"服务内容属于政府已购买的基本公共服务"}, "etag": sub["etag"]})
			a.Rejected = true
			d.say("初审 rejected 《%s》 (already a government-funded service)", a.Title)
			continue
		}
		d.ok("accept "+a.Title, "POST", "/v1/applications/"+a.ID+":review", d.operator, map[string]any{"decision": "REVIEW_DECISION_ACCEPT", "etag": sub["etag"]})
	}
	counts := map[string]int{}
	for _, a := range d.rec.Apps {
		counts[strings.TrimPrefix(a.Category, "CATEGORY_")]++
	}
	d.say("30 applications submitted %v; 初审: 28 accepted, 1 rejected, 1 still waiting", counts)
	if time.Now().After(deadline) {
		d.fail("submissions", "the applications took longer than the submission window (%s): raise it", d.cfg.SubmissionWindow)
	}
	d.advanceRefused("PHASE_SHORTLISTING", "SUBMISSION_DEADLINE_NOT_PASSED")
	wait := time.Until(deadline) + 200*time.Millisecond
	d.say("waiting %.0fs for the submission deadline", wait.Seconds())
	time.Sleep(wait)
	d.advanceRefused("PHASE_SHORTLISTING", "APPLICATIONS_AWAITING_REVIEW")
	late := d.rec.Apps[appLateReview]
	app := d.ok("read "+late.Title, "GET", "/v1/applications/"+late.ID, d.operator, nil)
	d.ok("accept "+late.Title, "POST", "/v1/applications/"+late.ID+":review", d.operator, map[string]any{"decision": "REVIEW_DECISION_ACCEPT", "etag": app["etag"]})
	d.say("初审 accepted the last waiting application 《%s》", late.Title)
	d.advance("PHASE_SHORTLISTING")
	d.say("SHORTLISTING (入围评审)")
}

// memberKinds cycles through the panel's member kinds.
var memberKinds = []string{"MEMBER_KIND_EXPERT", "MEMBER_KIND_DEPARTMENT", "MEMBER_KIND_FINANCE_AUDIT", "MEMBER_KIND_GRASSROOTS", "MEMBER_KIND_MEDIA"}

var surnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"}

func (d *driver) members(prefix string, n int, donorReps map[int]string) []any {
	var out []any
	for i := range n {
		m := map[string]any{"reviewerId": fmt.Sprintf("%s-%s-%02d", prefix, d.run, i), "name": surnames[i%len(surnames)] + "评审", "kind": memberKinds[i%len(memberKinds)]}
		if donor, ok := donorReps[i]; ok {
			m["kind"], m["donorId"], m["name"] = "MEMBER_KIND_DONOR_REP", donor, surnames[i%len(surnames)]+"（捐赠方代表）"
		}
		out = append(out, m)
	}
	return out
}

// score records every (member, application) score in parallel; recused pairs are skipped.
func (d *driver) score(panelID string, members []any, apps []*App, recused map[[2]string]bool, criteria func(a *App, m int) map[string]int, keep func(a *App, c map[string]int)) int {
	type job struct {
		a *App
		m int
	}
	var jobs []job
	for _, a := range apps {
		for m := range members {
			if !recused[[2]string{Str(members[m].(map[string]any)["reviewerId"]), a.ID}] {
				jobs = append(jobs, job{a, m})
			}
		}
	}
	var mu sync.Mutex
	d.parallel(len(jobs), func(i int) {
		j := jobs[i]
		c := criteria(j.a, j.m)
		d.ok("score", "POST", "/v1/panels/"+panelID+"/scores", d.operator, map[string]any{"applicationId": j.a.ID,
			"reviewerId": members[j.m].(map[string]any)["reviewerId"], "criteria": c})
		mu.Lock()
		keep(j.a, c)
		mu.Unlock()
	})
	return len(jobs)
}

func (d *driver) accepted() []*App {
	var out []*App
	for _, a := range d.rec.Apps {
		if !a.Rejected {
			out = append(out, a)
		}
	}
	return out
}

func (d *driver) shortlisting() {
	members := d.members("sl", 10, nil)
	panel := d.ok("shortlist panel", "POST", "/v1/rounds/"+d.rec.RoundID+"/panels", d.operator, map[string]any{"stage": "REVIEW_STAGE_SHORTLIST", "members": members})
	d.say("shortlist panel of 10 (experts, departments, finance and audit, grassroots, media)")
	n := d.score(Str(panel["id"]), members, d.accepted(), nil, func(a *App, m int) map[string]int {
		sp := specs[a.Index]
		return Criteria(sp.ideaPts, sp.restPts+m%5-2)
	}, func(a *App, c map[string]int) { a.ShortlistScores = append(a.ShortlistScores, c) })
	d.say("%d shortlist scores recorded (29 applications × 10 members)", n)
	d.advanceRefused("PHASE_PUBLICITY", "SHORTLIST_NOT_PUBLISHED")
	sl := d.ok("compute shortlist", "POST", "/v1/rounds/"+d.rec.RoundID+"/shortlist:compute", d.operator, map[string]any{})
	d.ok("publish shortlist", "POST", "/v1/rounds/"+d.rec.RoundID+"/shortlist:publish", d.organizer, map[string]any{})
	for _, e := range listOf(sl, "entries") {
		if e["shortlisted"] == true {
			d.rec.Shortlist = append(d.rec.Shortlist, Str(e["applicationId"]))
		}
	}
	var titles []string
	for _, id := range d.rec.Shortlist {
		if a := d.rec.ByID[id]; a != nil {
			titles = append(titles, a.Title)
		}
	}
	d.say("shortlist computed and published: %d shortlisted: %s", len(d.rec.Shortlist), strings.Join(titles, "、"))
}

func listOf(m map[string]any, key string) []map[string]any {
	var out []map[string]any
	for _, x := range asList(m[key]) {
		if y, ok := x.(map[string]any); ok {
			out = append(out, y)
		}
	}
	return out
}

func asList(v any) []any { l, _ := v.([]any); return l }

// voters verifies phones, each from its own loopback address when the gateway is on loopback.
type voterT struct {
	token string
	c     *client
}

func (d *driver) voters() []voterT {
	out := make([]voterT, d.cfg.Voters)
	loop := loopbackGateway(d.cfg.GatewayURL)
	d.parallel(len(out), func(i int) {
		c := d.c
		if loop {
			c = newClient(d.cfg.GatewayURL, fmt.Sprintf("127.0.%d.%d", 100+i/200, 10+i%200), d.cfg.Observe)
		}
		phone := fmt.Sprintf("137%s%04d", d.run, i)
		st, body, _, _, err := c.do(d.ctx, "POST", "/v1/voters:sendCode", "", map[string]any{"phone": phone})
		if err != nil || st != 200 || len(Str(body["devCode"])) != 6 {
			d.fail("voter code", "%d %v %v (a suite started by `make run` sends dev codes)", st, body, err)
		}
		st, body, _, _, err = c.do(d.ctx, "POST", "/v1/voters:verify", "", map[string]any{"phone": phone, "code": body["devCode"]})
		if err != nil || st != 200 {
			d.fail("verify voter", "%d %v %v", st, body, err)
		}
		out[i] = voterT{token: Str(body["voterToken"]), c: c}
	})
	return out
}

func (d *driver) publicity() {
	// Phones are verified before the publicity period starts, so that complaints fit in it however slow the
	// machine.
	voters := d.voters()
	d.say("%d voters verified their phones with one-time codes", len(voters))
	d.rec.voters = voters
	d.advance("PHASE_PUBLICITY")
	start := time.Now()
	d.say("PUBLICITY (公示): the shortlist is public for %s", d.cfg.PublicityPeriod)
	complain := func(v voterT, a *App, content string) map[string]any {
		st, body, _, _, err := v.c.do(d.ctx, "POST", "/v1/rounds/"+d.rec.RoundID+"/complaints", "", map[string]any{"applicationId": a.ID, "content": content}, "X-Voter-Token", v.token)
		if err != nil || st != 200 {
			d.fail("complaint", "%d %s %v %v", st, Reason(body), body["message"], err)
		}
		return body
	}
	upheld := complain(voters[0], d.rec.Apps[appUpheld], "该项目申报的服务团队成员与另一机构重复申报，且未取得本人同意。")
	dismissed := complain(voters[1], d.rec.Apps[appDismissed], "听说热线电话无人接听，是否真实运营？")
	d.say("two complaints (举报) lodged by verified phones during publicity")
	d.advanceRefused("PHASE_PROMOTION", "PUBLICITY_PERIOD_NOT_ELAPSED")

	// Donors and pledges during publicity.
	d.donorsAndPledges()

	time.Sleep(time.Until(start.Add(d.cfg.PublicityPeriod + 300*time.Millisecond)))
	d.advanceRefused("PHASE_PROMOTION", "COMPLAINTS_OPEN")
	d.ok("uphold", "POST", "/v1/complaints/"+Str(upheld["id"])+":resolve", d.operator, map[string]any{"outcome": "COMPLAINT_OUTCOME_UPHELD",
		"reason": "经核实，团队成员信息不实，取消入围资格"})
	d.rec.Apps[appUpheld].Disqualified = true
	d.ok("dismiss", "POST", "/v1/complaints/"+Str(dismissed["id"])+":resolve", d.operator, map[string]any{"outcome": "COMPLAINT_OUTCOME_DISMISSED",
		"reason": "经电话抽查，热线正常运营"})
	d.say("complaints resolved: 《%s》 upheld (disqualified), 《%s》 dismissed", d.rec.Apps[appUpheld].Title, d.rec.Apps[appDismissed].Title)
	d.advance("PHASE_PROMOTION")
	d.say("PROMOTION (项目推介): public voting, pledges and deposits")
}
