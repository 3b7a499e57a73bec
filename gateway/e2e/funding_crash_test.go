package e2e

import (
	"fmt"
	mathrand "math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Kill ends a service with SIGKILL (no graceful shutdown: in-flight calls and transactions die with it) and
// waits until it is gone.
func (s *Suite) Kill(name string) {
	s.t.Helper()
	p := s.procs[name]
	p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		s.t.Fatalf("%s did not die within 15s of SIGKILL", name)
	}
}

// Restart starts a stopped or killed service again with the environment it had and env (which takes
// precedence), and waits until the gateway reports every service SERVING.
func (s *Suite) Restart(name string, env ...string) {
	s.t.Helper()
	s.spawn(name, nil, append(s.procs[name].cmd.Env, env...)...)
	healthy := func() bool {
		resp, err := http.Get(s.URL + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	for deadline := time.Now().Add(time.Minute); !healthy(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			s.t.Fatalf("%s not healthy a minute after its restart", name)
		}
	}
}

// payOutcome is where a share's payment stood right after the funding process was killed, read from both
// services' tables.
func payOutcome(s *Suite, planID string, n int, share string) string {
	reserve := fmt.Sprintf("funding:plan:%s:tranche:%d:reserve", planID, n)
	release := fmt.Sprintf("funding:plan:%s:tranche:%d:release", planID, n)
	if share == "SHARE_GOVERNMENT" {
		if s.Count(`SELECT count(*) FROM funding.tranches WHERE plan_id = $1 AND number = $2 AND government_paid`, planID, n) == 1 {
			return "government recorded"
		}
		return "government not recorded"
	}
	switch {
	case s.Count(`SELECT count(*) FROM funding.tranches WHERE plan_id = $1 AND number = $2 AND donation_paid`, planID, n) == 1:
		return "donation recorded"
	case s.Count(`SELECT count(*) FROM donations.ledger_transfers WHERE id = $1`, release) == 1:
		return "donation released, not yet recorded"
	case s.Count(`SELECT count(*) FROM donations.ledger_transfers WHERE id = $1`, reserve) == 1:
		return "donation reserved, not released"
	case s.Count(`SELECT count(*) FROM funding.tranches WHERE plan_id = $1 AND number = $2 AND donation_ref IS NOT NULL`, planID, n) == 1:
		return "donation started, nothing moved"
	}
	return "donation not started"
}

// envOf is the value of a variable in a process's environment (the last one set).
func (s *Suite) envOf(name, key string) string {
	v := ""
	for _, kv := range s.procs[name].cmd.Env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// TestFundingCrash kills the funding process (SIGKILL) at random points while tranches are being paid,
// restarts it and retries the payment: every share ends paid exactly once, in both services, and both
// ledgers verify.
//
// Method: three plans, each with a government and a donation share in each of its three tranches (the
// evaluations that gate tranches 2 and 3 passed in the supervision service): 18 share payments. So that kills
// land inside what a payment does, funding reaches its database and the donations service through slow links
// (every chunk of data held back 2 ms and 25 ms). Each share's payment is started and the process killed after
// a random delay, uniform between zero and 1.3 times the usual duration of such a payment (estimated from the
// first payments done in full, then updated), then restarted; up to three times while the payment is not
// recorded, each attempt a retry of the same payment; then it is retried until it answers, and once more.
// After each kill the state of the payment is read from both services' tables; the figures are logged.
func TestFundingCrash(t *testing.T) {
	t.Parallel() // each test runs its own suite: their waits overlap
	s := Start(t)
	f := newFundedRound(t, s, []int64{5_000_000, 4_000_000, 3_000_000}, 48_000_000)
	plans := f.createPlans(t)
	evaluate := func(app, kind string) {
		st, body := s.Do("POST", "/v1/projects/"+app+"/evaluations", f.operator, map[string]any{"kind": kind, "result": "EVALUATION_RESULT_PASSED",
			"verified_spending_fen": 0, "findings": "as planned"})
		expect(t, "evaluation", st, body, 200, "")
	}
	for _, app := range f.apps {
		evaluate(app, "EVALUATION_KIND_MIDTERM")
		evaluate(app, "EVALUATION_KIND_FINAL_ACCEPTANCE")
	}
	dbURL, err := url.Parse(s.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	dbURL.Host = startSlowProxy(t, dbURL.Host, 2*time.Millisecond).Addr
	donations := startSlowProxy(t, s.envOf("funding", "DONATIONS_ADDR"), 25*time.Millisecond)
	s.Stop("funding")
	s.Restart("funding", "FUNDING_DATABASE_URL="+dbURL.String(), "DONATIONS_ADDR="+donations.Addr)

	type share struct{ kind, ref, token string }
	r := mathrand.New(mathrand.NewPCG(uint64(time.Now().UnixNano()), 8))
	estimate := map[string]time.Duration{}
	kills, retries, payments := 0, 0, 0
	outcomes := map[string]int{}
	answers := map[int]int{}
	recorded := map[string]string{"SHARE_GOVERNMENT": "government recorded", "SHARE_DONATION": "donation recorded"}
	for i, appID := range f.apps {
		id := str(plans[appID]["id"])
		f.activate(t, i, id)
		for n := 1; n <= 3; n++ {
			st, body := f.tranche(id, n, "request", f.operator, nil)
			expect(t, "request", st, body, 200, "")
			start := time.Now()
			st, body = f.tranche(id, n, "approve", f.organizer, nil)
			expect(t, "approve", st, body, 200, "")
			if len(estimate) == 0 { // a first guess: one unit of work, and three with two calls to donations
				unit := time.Since(start)
				estimate["SHARE_GOVERNMENT"], estimate["SHARE_DONATION"] = 2*unit, 4*unit+200*time.Millisecond
			}
			for _, sh := range []share{{"SHARE_GOVERNMENT", fmt.Sprintf("GOV-%d-%d", i, n), f.finance}, {"SHARE_DONATION", fmt.Sprintf("DON-%d-%d", i, n), f.federation}} {
				payments++
				pay := func() (int, map[string]any) {
					return f.tranche(id, n, "pay", sh.token, map[string]any{"share": sh.kind, "payment_reference": sh.ref})
				}
				for k := 0; k < 3 && payOutcome(s, id, n, sh.kind) != recorded[sh.kind]; k++ {
					done := make(chan int, 1)
					go func() { st, _ := pay(); done <- st }()
					time.Sleep(time.Duration(r.Int64N(int64(estimate[sh.kind]*13/10) + 1)))
					s.Kill("funding")
					kills++
					answers[<-done]++
					outcomes[payOutcome(s, id, n, sh.kind)]++
					s.Restart("funding")
				}
				full := payOutcome(s, id, n, sh.kind) == map[string]string{"SHARE_GOVERNMENT": "government not recorded", "SHARE_DONATION": "donation not started"}[sh.kind]
				for {
					retries++
					start := time.Now()
					st, body := pay()
					if st == 200 {
						if paid := map[string]any{"SHARE_GOVERNMENT": body["governmentPaid"], "SHARE_DONATION": body["donationPaid"]}[sh.kind]; paid != true {
							t.Fatalf("%s tranche %d %s answered but not paid: %v", id, n, sh.kind, body)
						}
						if full { // this retry did the whole payment: its duration is the new estimate
							estimate[sh.kind] = time.Since(start)
						}
						break
					}
					if st != 502 && st != 503 && st != 504 {
						t.Fatalf("retry of %s tranche %d %s: %d %v", id, n, sh.kind, st, body)
					}
					time.Sleep(100 * time.Millisecond)
				}
				st, body := pay() // and once more: nothing moves
				expect(t, "paid share paid again", st, body, 200, "")
			}
		}
	}

	// Every tranche paid exactly once, in funding and in donations.
	for i, appID := range f.apps {
		id := str(plans[appID]["id"])
		st, body := s.Do("GET", "/v1/applications/"+appID+"/plan", f.operator, nil)
		expect(t, "plan", st, body, 200, "")
		if body["state"] != "PLAN_STATE_COMPLETED" || body["disbursedFen"] != body["totalFen"] {
			t.Fatalf("plan %d: %v", i, body)
		}
		for n := 1; n <= 3; n++ {
			checks := map[string]int{
				`SELECT count(*) FROM funding.ledger_transfers WHERE id = 'plan:' || $1 || ':tranche:' || $2 || ':pay'`:                                     1,
				`SELECT count(*) FROM funding.plan_events WHERE plan_id = $1 AND action = 'GOVERNMENT_SHARE_PAID' AND detail LIKE 'tranche=' || $2 || ' %'`: 1,
				`SELECT count(*) FROM funding.plan_events WHERE plan_id = $1 AND action = 'DONATION_SHARE_PAID' AND detail LIKE 'tranche=' || $2 || ' %'`:   1,
				`SELECT count(*) FROM donations.ledger_transfers WHERE id = 'funding:plan:' || $1 || ':tranche:' || $2 || ':reserve'`:                       1,
				`SELECT count(*) FROM donations.ledger_transfers WHERE id = 'funding:plan:' || $1 || ':tranche:' || $2 || ':release'`:                       1,
			}
			for q, want := range checks {
				if got := s.Count(q, id, fmt.Sprint(n)); got != want {
					t.Fatalf("plan %d tranche %d: %s = %d, want %d", i, n, q, got, want)
				}
			}
		}
		if got := s.Count(`SELECT count(*) FROM donations.ledger_transfers WHERE id LIKE 'funding:plan:' || $1 || ':%' AND kind = 'VOID_PENDING'`, id); got != 0 {
			t.Fatalf("plan %d: %d reservations voided", i, got)
		}
	}
	st, pool := s.Do("GET", "/v1/rounds/"+f.roundID+"/pool", f.lottery, nil)
	expect(t, "pool", st, pool, 200, "")
	// Every government share paid (15,000,000 + 16,000,000 + 17,000,000), nothing committed any more.
	if pool["paidFen"] != "48000000" || pool["committedFen"] != "0" {
		t.Fatalf("pool after the crashes: %v", pool)
	}
	f.ledgersBalance(t)
	var lines []string
	for o, n := range outcomes {
		lines = append(lines, fmt.Sprintf("%s: %d", o, n))
	}
	sort.Strings(lines)
	t.Logf("crash test: %d share payments, %d kills (delays up to 1.3 × the estimated payment duration, last estimates: government %s, donation %s), "+
		"%d retries until answered; answers of the killed requests (HTTP status: count) %v; state at the kills: %s",
		payments, kills, estimate["SHARE_GOVERNMENT"], estimate["SHARE_DONATION"], retries, answers, strings.Join(lines, "; "))
}
