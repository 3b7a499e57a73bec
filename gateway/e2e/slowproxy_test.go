package e2e

import (
	"net"
	"sync"
	"testing"
	"time"
)

// slowProxy forwards TCP connections to a target, holding every chunk of data back for a delay in both
// directions: a slow network between one process and another (a service and its database, or a peer), so a
// test can interrupt that process in the middle of what it does there.
type slowProxy struct {
	Addr string
	lis  net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	open []net.Conn
}

// startSlowProxy listens on a free loopback port and forwards to target with delay; it stops when t ends.
func startSlowProxy(t testing.TB, target string, delay time.Duration) *slowProxy {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &slowProxy{Addr: lis.Addr().String(), lis: lis}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			in, err := lis.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.open = append(p.open, in, out)
			p.mu.Unlock()
			p.wg.Add(2)
			go p.pipe(out, in, delay)
			go p.pipe(in, out, delay)
		}
	}()
	t.Cleanup(p.close)
	return p
}

// pipe copies src to dst, each chunk after delay; when either side ends, both are closed.
func (p *slowProxy) pipe(dst, src net.Conn, delay time.Duration) {
	defer p.wg.Done()
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			time.Sleep(delay)
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *slowProxy) close() {
	p.lis.Close()
	p.mu.Lock()
	for _, c := range p.open {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
