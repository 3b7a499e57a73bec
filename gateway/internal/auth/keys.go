package auth

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// How key sets are refreshed.
const (
	// UnknownKeyRefetch is the shortest time between two reads of the key set caused by a token naming an
	// unknown kid (a key just rotated in), so that unknown kids cannot make the gateway fetch on every request.
	UnknownKeyRefetch = 10 * time.Second
	// MinRefresh and MaxRefresh bound the refresh interval a JWKS URL asks for with Cache-Control max-age.
	MinRefresh = time.Minute
	MaxRefresh = time.Hour
	// failedRefreshRetry is how soon a failed refresh of a JWKS URL is tried again (the last good set stays).
	failedRefreshRetry = 30 * time.Second
	// fileCheck is how often the JWKS file's modification time and size are looked at.
	fileCheck = time.Second
	// maxJWKSBytes bounds a key set.
	maxJWKSBytes = 1 << 20
)

// fileKeys is a key set read from a file and read again when its modification time or size changes (or a
// token names an unknown kid), so a key rotated in the file is used without a restart. A file that cannot be
// read or parsed keeps the last good set in use.
type fileKeys struct {
	path string
	now  func() time.Time

	mu         sync.Mutex
	keys       map[string]Key
	stamp      fileStamp
	checked    time.Time // last look at the file's stamp
	refetched  time.Time // last read caused by an unknown kid
	checkEvery time.Duration
	lastFailed string
}

// fileStamp tells whether a file changed since it was read.
type fileStamp struct {
	mod  time.Time
	size int64
}

func statFile(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{fi.ModTime(), fi.Size()}, nil
}

func loadFileKeys(path string) (*fileKeys, error) {
	f := &fileKeys{path: path, now: time.Now, checkEvery: fileCheck}
	if err := f.reload(); err != nil {
		return nil, fmt.Errorf("%s: %w", JWKSFileVar, err)
	}
	f.checked = f.now()
	return f, nil
}

// reload reads the file; on failure the keys in use stay. Called with mu held (or before f is shared).
func (f *fileKeys) reload() error {
	st, err := statFile(f.path)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		return err
	}
	if len(data) > maxJWKSBytes {
		return fmt.Errorf("%s: over %d bytes", f.path, maxJWKSBytes)
	}
	keys, err := ParseJWKS(data)
	if err != nil {
		return fmt.Errorf("%s: %w", f.path, err)
	}
	if f.keys != nil && st != f.stamp {
		slog.Info("JWKS file reloaded", "file", f.path, "keys", len(keys))
	}
	f.keys, f.stamp, f.lastFailed = keys, st, ""
	return nil
}

func (f *fileKeys) reloadLogged() {
	if err := f.reload(); err != nil && err.Error() != f.lastFailed {
		f.lastFailed = err.Error()
		slog.Warn("JWKS file not reloaded; the last good key set stays in use", "setting", JWKSFileVar, "error", err.Error())
	}
}

func (f *fileKeys) key(kid string) (Key, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	if now.Sub(f.checked) >= f.checkEvery {
		f.checked = now
		if st, err := statFile(f.path); err != nil || st != f.stamp {
			f.reloadLogged()
		}
	}
	k, ok := f.keys[kid]
	if !ok && now.Sub(f.refetched) >= UnknownKeyRefetch {
		f.refetched = now
		f.reloadLogged()
		k, ok = f.keys[kid]
	}
	return k, ok
}

func (f *fileKeys) close() {}

// urlKeys is a key set fetched over HTTPS and fetched again periodically (every Cache-Control max-age,
// between MinRefresh and MaxRefresh, or the configured interval when the answer gives none) and when a
// token names an unknown kid; a failed fetch keeps the last good set in use.
type urlKeys struct {
	url      string
	client   *http.Client
	interval time.Duration
	now      func() time.Time

	mu   sync.RWMutex
	keys map[string]Key

	fetchMu   sync.Mutex // one fetch at a time
	refetched time.Time  // last fetch caused by an unknown kid

	stop chan struct{}
	done chan struct{}
}

func newURLKeys(url string, client *http.Client, interval time.Duration) *urlKeys {
	return &urlKeys{url: url, client: client, interval: interval, now: time.Now, stop: make(chan struct{}), done: make(chan struct{})}
}

// loadURLKeys fetches the key set for the first time and starts its refresh.
func loadURLKeys(url string, client *http.Client, interval time.Duration) (*urlKeys, error) {
	u := newURLKeys(url, client, interval)
	next, err := u.fetch()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", JWKSURLVar, err)
	}
	go u.refreshLoop(next)
	return u, nil
}

func (u *urlKeys) refreshLoop(next time.Duration) {
	defer close(u.done)
	timer := time.NewTimer(next)
	defer timer.Stop()
	for {
		select {
		case <-u.stop:
			return
		case <-timer.C:
		}
		u.fetchMu.Lock()
		d, err := u.fetch()
		u.fetchMu.Unlock()
		if err != nil {
			slog.Warn("JWKS not refreshed; the last good key set stays in use", "setting", JWKSURLVar, "error", err.Error())
			d = failedRefreshRetry
		}
		timer.Reset(d)
	}
}

// fetch gets the key set and installs it; it returns when to refresh next.
func (u *urlKeys) fetch() (time.Duration, error) {
	resp, err := u.client.Get(u.url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s answered %s", u.url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return 0, err
	}
	if len(data) > maxJWKSBytes {
		return 0, fmt.Errorf("%s: over %d bytes", u.url, maxJWKSBytes)
	}
	keys, err := ParseJWKS(data)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", u.url, err)
	}
	u.mu.Lock()
	u.keys = keys
	u.mu.Unlock()
	return refreshInterval(resp.Header.Get("Cache-Control"), u.interval), nil
}

func (u *urlKeys) key(kid string) (Key, bool) {
	u.mu.RLock()
	k, ok := u.keys[kid]
	u.mu.RUnlock()
	if ok {
		return k, true
	}
	u.fetchMu.Lock()
	defer u.fetchMu.Unlock()
	if now := u.now(); now.Sub(u.refetched) >= UnknownKeyRefetch {
		u.refetched = now
		if _, err := u.fetch(); err != nil {
			slog.Warn("JWKS not fetched for an unknown kid", "setting", JWKSURLVar, "error", err.Error())
		}
	}
	u.mu.RLock()
	defer u.mu.RUnlock()
	k, ok = u.keys[kid]
	return k, ok
}

func (u *urlKeys) close() {
	select {
	case <-u.stop:
	default:
		close(u.stop)
	}
	<-u.done
}

// refreshInterval is how long a fetched key set is used before it is fetched again: the Cache-Control
// max-age between MinRefresh and MaxRefresh (no-cache and no-store: MinRefresh), else def.
func refreshInterval(cacheControl string, def time.Duration) time.Duration {
	d, found := def, false
	for _, dir := range strings.Split(cacheControl, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(dir), "=")
		switch strings.ToLower(name) {
		case "no-cache", "no-store":
			return MinRefresh
		case "max-age":
			if secs, err := strconv.ParseInt(strings.Trim(value, `"`), 10, 64); err == nil && secs >= 0 && !found {
				d, found = time.Duration(min(secs, int64(MaxRefresh/time.Second)))*time.Second, true
			}
		}
	}
	return min(max(d, MinRefresh), MaxRefresh)
}

// errNotHTTPS refuses a redirect of the JWKS URL away from https.
var errNotHTTPS = errors.New("JWKS redirect to a non-https URL")
