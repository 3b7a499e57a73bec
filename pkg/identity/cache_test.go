package identity

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"
)

// The caches change no answer: a token signed again within the second is the same token, a new second gives
// a new token; a cached token still expires, is still refused by another service, and a changed token is
// checked afresh.
func TestTokenCaches(t *testing.T) {
	now := time.Unix(1_790_000_000, 0)
	is, v := NewIssuer(testKey), NewVerifier("donations", testPub)
	is.now = func() time.Time { return now }
	v.now = func() time.Time { return now }
	id := Identity{Subject: "u", Roles: []Role{Organizer}, OrgID: "o"}

	first := is.Sign(id, "donations")
	if again := is.Sign(id, "donations"); again != first {
		t.Errorf("signed again within the second: %q, want %q", again, first)
	}
	if other := is.Sign(id, "funding"); other == first {
		t.Error("the token for another service is the same")
	}
	if other := is.Sign(Identity{Subject: "u", Roles: []Role{Organizer, Operator}, OrgID: "o"}, "donations"); other == first {
		t.Error("the token for other roles is the same")
	}
	for range 2 { // the second time from the cache
		got, err := v.Verify(first)
		if err != nil || got.Subject != "u" || !slices.Equal(got.Roles, id.Roles) || got.OrgID != "o" {
			t.Fatalf("verify: %+v, %v", got, err)
		}
		got.Roles[0] = Auditor // the caller's copy
	}
	if got, _ := v.Verify(first); !slices.Equal(got.Roles, id.Roles) {
		t.Errorf("roles changed by a caller: %v", got.Roles)
	}
	if _, err := NewVerifier("funding", testPub).Verify(first); !errors.Is(err, ErrAudience) {
		t.Errorf("another service: %v, want ErrAudience", err)
	}
	// A byte changed in the payload is a token never seen: its signature is checked.
	tampered := []byte(first)
	tampered[3] ^= 1
	if _, err := v.Verify(string(tampered)); err == nil {
		t.Error("tampered token accepted")
	}

	now = now.Add(time.Second)
	next := is.Sign(id, "donations")
	if next == first {
		t.Error("a new second signs the same token")
	}
	if _, err := v.Verify(next); err != nil {
		t.Fatal(err)
	}
	now = now.Add(Lifetime + ClockSkew + time.Second)
	if _, err := v.Verify(first); !errors.Is(err, ErrExpired) {
		t.Errorf("cached token after its lifetime: %v, want ErrExpired", err)
	}
}

// The caches stay bounded however many callers there are.
func TestTokenCacheBounded(t *testing.T) {
	var c tokenCache[int]
	for i := range 3 * tokenCacheSize {
		c.put(fmt.Sprint(i), i)
		if len(c.m) > tokenCacheSize {
			t.Fatalf("%d entries", len(c.m))
		}
	}
	if v, ok := c.get(fmt.Sprint(3*tokenCacheSize - 1)); !ok || v != 3*tokenCacheSize-1 {
		t.Errorf("the last entry: %v %v", v, ok)
	}
}

// BenchmarkForwardedIdentity is what one call of a busy user costs the gateway (Sign) and the service
// (Verify): "uncached" a new user at every call (the Ed25519 work every call did before the caches, plus their upkeep), "cached" the same user within the second.
func BenchmarkForwardedIdentity(b *testing.B) {
	id := Identity{Subject: "operator-1", Roles: []Role{Operator}}
	b.Run("uncached", func(b *testing.B) { // a new user at every call (voters): every call misses
		is, v := NewIssuer(testKey), NewVerifier("applications", testPub)
		i := 0
		for b.Loop() {
			i++
			if _, err := v.Verify(is.Sign(Identity{Subject: "voter-" + strconv.Itoa(i), Roles: []Role{Operator}}, "applications")); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		is, v := NewIssuer(testKey), NewVerifier("applications", testPub)
		for b.Loop() {
			if _, err := v.Verify(is.Sign(id, "applications")); err != nil {
				b.Fatal(err)
			}
		}
	})
}
