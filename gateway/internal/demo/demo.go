// Package demo drives one complete round of the programme through the gateway over HTTP only, from the call for
// proposals to the round's close, with realistic data: what `make demo` shows and what the full-programme
// end-to-end test asserts on. It records every figure it sent and every answer that matters in a Record, so a
// test can recompute the results and the money from DOMAIN.md's formulas on its own.
package demo

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config says where the gateway is and how the round is paced.
type Config struct {
	GatewayURL string
	Out        io.Writer // progress lines and tables (nil: discarded)
	// SubmissionWindow is the time from publishing the round to its submission deadline (default 30s): every
	// application must be submitted within it.
	SubmissionWindow time.Duration
	// PublicityPeriod is the round's publicity period (default 5s).
	PublicityPeriod time.Duration
	// Voters is how many verified phones vote (default 40).
	Voters int
	// ComputeHeaders are extra headers of the results:compute request (e.g. a W3C traceparent).
	ComputeHeaders []string
	// Observe, when set, sees every exchange with the gateway (e.g. to check it against the OpenAPI document);
	// the request's body can be read again through req.GetBody. It may be called from several goroutines.
	Observe func(req *http.Request, resp *http.Response, body []byte)
}

// Refusal is a step the suite refused, as it must before the step's precondition holds.
type Refusal struct {
	What   string
	Status int
	Reason string
}

// App is one application of the round.
type App struct {
	Index                    int
	ID, OrgID, Title, Org    string
	Category                 string
	BudgetFen                int64
	IdeaOnly                 bool
	Team                     string // the applicant's token, acting for its organisation
	Rejected                 bool
	ShortlistScores          []map[string]int // one per member who scored it
	FinalScores              []map[string]int
	Votes                    int64 // votes accepted
	CashAtCutoff, InKindFen  int64 // confirmed before the cutoff
	LateFen                  int64 // deposited after the cutoff
	Disqualified             bool
	FinalStage               string
	Plan                     map[string]any // the final state of its plan, if selected
	Fate                     string         // completed, suspended, terminated (selected projects)
	VerifiedSpendingFen      int64          // the last evaluation's verified spending
	NamingRightDonorExpected string
}

// Record is everything the demo did and read back.
type Record struct {
	RoundID                        string
	SelectionQuota, ShortlistQuota int
	IdeaTiers                      [][3]int64 // tier, amount, count
	Apps                           []*App     // in order of first submission
	ByID                           map[string]*App
	Donors                         map[string]string // name → ID
	Cutoff                         string
	PoolAllocatedFen               int64 // allocated before the results were computed
	PoolTopUpFen                   int64 // allocated afterwards
	Shortlist                      []string
	Computed, Public               map[string]any // the results as computed and as published
	Prizes                         []any
	Refusals                       []Refusal
	Quarterly                      map[string]any
	Statistics                     map[string]any
	CSV                            []byte
	Pool                           map[string]any
	Ledgers                        map[string]map[string]any // verify answers by ledger
	Heads                          map[string][]map[string]any
	ClawbackFen                    int64
	PledgedFen                     int64 // every pledge, cash and in kind, late or not
	Suspended, Terminated          *App

	voters      []voterT
	gifts       []*gift
	donorTokens []string
	finalists   []*App
}

// Error is a failed step.
type Error struct{ Step, Detail string }

func (e *Error) Error() string { return e.Step + ": " + e.Detail }

type driver struct {
	cfg   Config
	ctx   context.Context
	c     *client
	out   io.Writer
	rec   *Record
	step  int
	run   string // this run's serial: four digits
	start time.Time

	organizer, operator, committee, finance, federation, lottery, auditor string
}

// fail stops the run: Run recovers it as the returned error.
func (d *driver) fail(step, format string, args ...any) {
	panic(&Error{Step: step, Detail: fmt.Sprintf(format, args...)})
}

// say prints a progress line.
func (d *driver) say(format string, args ...any) {
	d.step++
	fmt.Fprintf(d.out, "[%6.1fs] %3d  %s\n", time.Since(d.start).Seconds(), d.step, fmt.Sprintf(format, args...))
}

func (d *driver) call(step, method, path, token string, body any, headers ...string) (int, map[string]any) {
	st, out, _, _, err := d.c.do(d.ctx, method, path, token, body, headers...)
	if err != nil {
		d.fail(step, "%v", err)
	}
	return st, out
}

// ok sends a request that must succeed and returns its answer.
func (d *driver) ok(step, method, path, token string, body any, headers ...string) map[string]any {
	st, out := d.call(step, method, path, token, body, headers...)
	if st != 200 {
		d.fail(step, "%s %s: %d %s %v", method, path, st, Reason(out), out["message"])
	}
	return out
}

// refused sends a request that must be refused with status and reason, and records the refusal.
func (d *driver) refused(step string, status int, reason, method, path, token string, body any, headers ...string) {
	st, out := d.call(step, method, path, token, body, headers...)
	if st != status || Reason(out) != reason {
		d.fail(step, "%s %s: got %d %s %v, want the refusal %d %s", method, path, st, Reason(out), out["message"], status, reason)
	}
	d.rec.Refusals = append(d.rec.Refusals, Refusal{What: step, Status: st, Reason: reason})
	d.say("refused as it must be: %s (%d %s)", step, st, reason)
}

func (d *driver) token(subject string, roles []string, orgID, donorID string) string {
	body := map[string]any{"subject": subject, "roles": roles}
	if orgID != "" {
		body["orgId"] = orgID
	}
	if donorID != "" {
		body["donorId"] = donorID
	}
	return Str(d.ok("dev token "+subject, "POST", "/v1/dev/tokens", "", body)["token"])
}

func (d *driver) advance(phase string) map[string]any {
	return d.ok("advance to "+phase, "POST", "/v1/rounds/"+d.rec.RoundID+":advance", d.organizer, map[string]any{"phase": phase})
}

func (d *driver) advanceRefused(phase, reason string) {
	d.refused("advance to "+phase+" before its precondition holds", 412, reason, "POST", "/v1/rounds/"+d.rec.RoundID+":advance", d.organizer, map[string]any{"phase": phase})
}

// parallel runs f(0..n-1) on a few workers and returns the first failure.
func parallel(n, workers int, f func(i int)) (failure any) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := 0
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					mu.Lock()
					if failure == nil {
						failure = r
					}
					mu.Unlock()
				}
			}()
			for {
				mu.Lock()
				i := next
				next++
				stop := failure != nil
				mu.Unlock()
				if i >= n || stop {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
	return failure
}

func (d *driver) parallel(n int, f func(i int)) {
	if r := parallel(n, 4, f); r != nil {
		panic(r)
	}
}

func randomDigits(n int) string {
	var b strings.Builder
	for range n {
		x, _ := rand.Int(rand.Reader, big.NewInt(10))
		b.WriteString(x.String())
	}
	return b.String()
}

// Run drives one round through the gateway and returns what it recorded; any failed step ends it with an
// *Error.
func Run(ctx context.Context, cfg Config) (rec *Record, err error) {
	if cfg.SubmissionWindow == 0 {
		cfg.SubmissionWindow = 30 * time.Second
	}
	if cfg.PublicityPeriod == 0 {
		cfg.PublicityPeriod = 5 * time.Second
	}
	if cfg.Voters == 0 {
		cfg.Voters = 40
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	d := &driver{cfg: cfg, ctx: ctx, c: newClient(cfg.GatewayURL, "", cfg.Observe), out: cfg.Out, start: time.Now(), run: randomDigits(4),
		rec: &Record{ByID: map[string]*App{}, Donors: map[string]string{}, Ledgers: map[string]map[string]any{}, Heads: map[string][]map[string]any{}}}
	defer func() {
		if r := recover(); r != nil {
			var e *Error
			if x, ok := r.(*Error); ok {
				e = x
			} else {
				panic(r)
			}
			rec, err = d.rec, e
		}
	}()
	d.waitHealthy()
	d.callForProposals()
	d.shortlisting()
	d.publicity()
	d.promotion()
	d.finalReview()
	d.approval()
	d.implementation()
	d.closing()
	d.readBack()
	d.verify()
	d.report()
	return d.rec, nil
}

func (d *driver) waitHealthy() {
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, out, _, _, err := d.c.do(d.ctx, "GET", "/healthz", "", nil)
		if err == nil && st == 200 {
			d.say("gateway %s healthy: %v", d.cfg.GatewayURL, out["services"])
			return
		}
		if time.Now().After(deadline) || d.ctx.Err() != nil {
			d.fail("health", "the gateway at %s is not healthy: %d %v %v", d.cfg.GatewayURL, st, out, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

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
