package identity

import "sync"

// tokenCacheSize bounds each cache: past it the cache starts afresh. A token lives Lifetime (seconds) and
// within one second the gateway signs the same identity for the same service into the same token, so the
// caches only need to hold the last few seconds' callers.
const tokenCacheSize = 1024

// tokenCache remembers the token signed for a payload (Issuer) or the claims of a token whose signature was
// checked (Verifier), so that a busy caller's repeated calls skip the Ed25519 work: signing is deterministic
// and a signature that verified once verifies again. The zero value is ready to use.
type tokenCache[V any] struct {
	mu sync.Mutex
	m  map[string]V
}

func (c *tokenCache[V]) get(k string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *tokenCache[V]) put(k string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= tokenCacheSize {
		c.m = make(map[string]V, tokenCacheSize/4)
	}
	c.m[k] = v
}
