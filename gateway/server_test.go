package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestServerTimeoutsResolve(t *testing.T) {
	ok := serverTimeouts{ReadHeader: 10 * time.Second, Read: 30 * time.Second, Idle: 2 * time.Minute}
	for _, tc := range []struct {
		name      string
		change    func(*serverTimeouts)
		wantWrite time.Duration
		wantErr   string // the setting the error names; "" for none
	}{
		{name: "write defaults to REQUEST_TIMEOUT + 30s", change: func(*serverTimeouts) {}, wantWrite: 60 * time.Second},
		{name: "write set", change: func(s *serverTimeouts) { s.Write = 45 * time.Second }, wantWrite: 45 * time.Second},
		{name: "write not longer than the request timeout", change: func(s *serverTimeouts) { s.Write = 30 * time.Second }, wantErr: writeTimeoutVar},
		{name: "negative write", change: func(s *serverTimeouts) { s.Write = -time.Second }, wantErr: writeTimeoutVar},
		{name: "no read timeout", change: func(s *serverTimeouts) { s.Read = 0 }, wantErr: readTimeoutVar},
		{name: "no header timeout", change: func(s *serverTimeouts) { s.ReadHeader = 0 }, wantErr: readHeaderTimeoutVar},
		{name: "header timeout beyond the read timeout", change: func(s *serverTimeouts) { s.ReadHeader = time.Minute }, wantErr: readHeaderTimeoutVar},
		{name: "no idle timeout", change: func(s *serverTimeouts) { s.Idle = 0 }, wantErr: idleTimeoutVar},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := ok
			tc.change(&in)
			got, err := in.resolve(30 * time.Second)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("resolve = %v, want an error naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || got.Write != tc.wantWrite {
				t.Fatalf("resolve = %+v, %v; want write %v", got, err, tc.wantWrite)
			}
		})
	}
}

// A client that trickles its body is cut off once the read timeout has passed, long before its body is done.
func TestSlowBodyCutOff(t *testing.T) {
	const readTimeout = 200 * time.Millisecond
	timeouts, err := serverTimeouts{ReadHeader: readTimeout, Read: readTimeout, Idle: time.Minute}.resolve(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	handlerErr := make(chan error, 1)
	srv := newServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		handlerErr <- err
		if err != nil {
			http.Error(w, "body not read in time", http.StatusRequestTimeout)
		}
	}), timeouts)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	t.Cleanup(func() { srv.Close() })

	conn, err := net.Dial("tcp", lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const bodySize = 1000 // one byte each 20ms: 20s to send it all
	if _, err := io.WriteString(conn, "POST /v1/votes HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() { // the server's answer, if any, then the end of the connection
		io.Copy(io.Discard, bufio.NewReader(conn))
		close(closed)
	}()
	sent := 1
trickle:
	for ; sent < bodySize; sent++ {
		select {
		case <-closed:
			break trickle
		case <-time.After(20 * time.Millisecond):
			if _, err := conn.Write([]byte(" ")); err != nil {
				break trickle
			}
		}
	}
	if sent == bodySize {
		t.Fatalf("the whole %d-byte body was trickled in without the server cutting the connection", bodySize)
	}
	if err := <-handlerErr; err == nil {
		t.Fatal("the handler read the whole trickled body")
	}
	<-closed
	t.Logf("cut off after %d of %d bytes", sent, bodySize)
}
