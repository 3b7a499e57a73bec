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
