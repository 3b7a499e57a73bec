package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// client speaks JSON over HTTP to the gateway, from one local address.
type client struct {
	base    string
	http    *http.Client
	observe func(req *http.Request, resp *http.Response, body []byte)
}

// newClient returns a client of the gateway at base. A non-empty localIP makes every connection come from that
// loopback address: the gateway's per-address rate limits then see each simulated voter as its own client, as
// they are in a real round.
func newClient(base, localIP string, observe func(*http.Request, *http.Response, []byte)) *client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if localIP != "" {
		d := &net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(localIP)}}
		tr.DialContext = d.DialContext
	}
	return &client{base: strings.TrimRight(base, "/"), http: &http.Client{Timeout: 60 * time.Second, Transport: tr}, observe: observe}
}

// loopbackGateway reports whether the gateway listens on a loopback address (so that other loopback source
// addresses reach it).
func loopbackGateway(base string) bool {
	u, err := url.Parse(base)
	if err != nil {
		return false
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback() && ip.To4() != nil
}

// do sends a JSON request and decodes a JSON object answer (raw for anything else).
func (c *client) do(ctx context.Context, method, path, token string, body any, headers ...string) (int, map[string]any, []byte, http.Header, error) {
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, nil, nil, nil, err
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return 0, nil, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if c.observe != nil {
		c.observe(req, resp, raw)
	}
	out := map[string]any{}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			return 0, nil, nil, nil, fmt.Errorf("%s %s: answer is not a JSON object: %.200s", method, path, raw)
		}
	}
	return resp.StatusCode, out, raw, resp.Header, nil
}

// Reason returns the ErrorInfo reason of an error body.
func Reason(body map[string]any) string {
	details, _ := body["details"].([]any)
	for _, d := range details {
		m, _ := d.(map[string]any)
		if strings.HasSuffix(fmt.Sprint(m["@type"]), "google.rpc.ErrorInfo") {
			return fmt.Sprint(m["reason"])
		}
	}
	return ""
}

// Str is a JSON value as a string ("" for nil).
func Str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// Fen is an int64 JSON value (a string in proto3 JSON; absent: 0).
func Fen(v any) int64 {
	var n int64
	switch x := v.(type) {
	case nil:
	case float64:
		n = int64(x)
	default:
		fmt.Sscan(fmt.Sprint(x), &n)
	}
	return n
}

// Yuan writes an amount in fen as yuan with thousands separators: 1234567 → 12,345.67.
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	s := fmt.Sprint(fen / 100)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("%s%s.%02d", sign, b.String(), fen%100)
}
