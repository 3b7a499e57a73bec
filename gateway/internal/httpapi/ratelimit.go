package httpapi

import (
	"math"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
)

// RateRule limits how often one client address may call the routes it matches.
type RateRule struct {
	Name      string
	Method    string
	Path      *regexp.Regexp
	PerMinute int
}

// VoteRules are the public routes a script could hammer: casting votes and asking for voter codes.
func VoteRules(votesPerMinute, codesPerMinute int) []RateRule {
	return []RateRule{
		{Name: "votes", Method: http.MethodPost, Path: regexp.MustCompile(`^/v1/rounds/[^/]+/applications/[^/]+/votes$`), PerMinute: votesPerMinute},
		{Name: "voter-codes", Method: http.MethodPost, Path: regexp.MustCompile(`^/v1/voters:sendCode$`), PerMinute: codesPerMinute},
	}
}

// ComplaintRules limit anonymous complaints, each of which blocks promotion until an operator resolves it.
func ComplaintRules(perMinute int) []RateRule {
	return []RateRule{
		{Name: "complaints", Method: http.MethodPost, Path: regexp.MustCompile(`^/v1/rounds/[^/]+/complaints$`), PerMinute: perMinute},
	}
}

// limiter holds one token bucket per (rule, client address): PerMinute tokens, refilled continuously.
type limiter struct {
	rules   []RateRule
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens    float64
	last      time.Time
	perMinute int
}

func newLimiter(rules []RateRule, now func() time.Time) *limiter {
	return &limiter{rules: rules, now: now, buckets: map[string]*bucket{}}
}

// allow takes a token for the client from the rule's bucket, or says how long to wait for one.
func (l *limiter) allow(rule RateRule, client string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	rate := float64(rule.PerMinute) / 60 // tokens per second
	if now.Sub(l.swept) > time.Minute {
		// Full buckets carry no information: forget them so memory stays bounded by active clients.
		for k, b := range l.buckets {
			if now.Sub(b.last) >= time.Minute && b.perMinute > 0 {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	key := rule.Name + "|" + client
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: float64(rule.PerMinute), last: now, perMinute: rule.PerMinute}
		l.buckets[key] = b
	}
	b.tokens = math.Min(float64(rule.PerMinute), b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / rate * float64(time.Second))
}

// rateLimit answers 429 RATE_LIMITED when a client address exceeds a rule. The address is the TCP peer's, or
// the one trusted proxies report (Proxies.ClientAddr); an IPv6 client is counted by its /64. Buckets live in
// this process: each gateway replica grants the configured rates on its own.
func rateLimit(l *limiter, proxies Proxies, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client := ""
		for _, rule := range l.rules {
			if rule.PerMinute <= 0 || r.Method != rule.Method || !rule.Path.MatchString(r.URL.Path) {
				continue
			}
			if client == "" {
				client = proxies.clientKey(r)
			}
			if ok, wait := l.allow(rule, client); !ok {
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
				writeError(w, r, codes.ResourceExhausted, "RATE_LIMITED", "too many requests from this address; retry later")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
