package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const thingsDDL = `CREATE TABLE things (id bigserial PRIMARY KEY, v text NOT NULL)`

var tmpl = pgtest.NewTemplate("pkgidem_"+ddlHash(), func(ctx context.Context, _, dbURL string) error {
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	for _, ddl := range []string{Table, thingsDDL} {
		if _, err := pool.Exec(ctx, ddl); err != nil {
			return err
		}
	}
	return nil
})

func ddlHash() string {
	h := sha256.Sum256([]byte(Table + ";" + thingsDDL))
	return hex.EncodeToString(h[:6])
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	_, dbURL := tmpl.Database(t)
	pool, err := pgxpool.New(testCtx(t), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func count(t *testing.T, pool *pgxpool.Pool, sql string) int64 {
	t.Helper()
	var n int64
	if err := pool.QueryRow(testCtx(t), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// insertThing is a mutation: it inserts v through the context's transaction and answers with its row ID.
type insertThing struct {
	pool  *pgxpool.Pool
	calls atomic.Int64
	delay time.Duration
	fail  error
}

func (f *insertThing) fn(v string) func(ctx context.Context) (*wrapperspb.StringValue, error) {
	return func(ctx context.Context) (*wrapperspb.StringValue, error) {
		n := f.calls.Add(1)
		var id int64
		if err := db.Q(ctx, f.pool).QueryRow(ctx, "INSERT INTO things (v) VALUES ($1) RETURNING id", v).Scan(&id); err != nil {
			return nil, err
		}
		if f.delay > 0 {
			time.Sleep(f.delay)
		}
		if f.fail != nil {
			return nil, f.fail
		}
		return wrapperspb.String(fmt.Sprintf("%s#%d/call%d", v, id, n)), nil
	}
}

func alice(ctx context.Context) context.Context {
	return identity.With(ctx, identity.Identity{Subject: "alice", Roles: []identity.Role{identity.Applicant}})
}

func TestRunRetryReturnsStoredAnswer(t *testing.T) {
	pool := newPool(t)
	ctx := alice(testCtx(t))
	f := &insertThing{pool: pool}
	req := wrapperspb.String("create x")

	first, err := do(ctx, pool, "req-1", req, f.fn("x"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		again, err := do(ctx, pool, "req-1", wrapperspb.String("create x"), f.fn("x"))
		if err != nil {
			t.Fatalf("retry %d: %v", i, err)
		}
		if !proto.Equal(again, first) {
			t.Errorf("retry %d = %v, want the first answer %v", i, again, first)
		}
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("fn ran %d times, want 1", n)
	}
	if n := count(t, pool, "SELECT count(*) FROM things"); n != 1 {
		t.Errorf("%d rows, want 1", n)
	}
	if n := count(t, pool, "SELECT count(*) FROM idempotency_keys WHERE request_id = 'req-1' AND response IS NOT NULL"); n != 1 {
		t.Errorf("%d stored answers, want 1", n)
	}

	// Another request ID is another request.
	other, err := do(ctx, pool, "req-2", req, f.fn("x"))
	if err != nil {
		t.Fatal(err)
	}
	if proto.Equal(other, first) || f.calls.Load() != 2 {
		t.Errorf("a new request ID got %v after %d calls", other, f.calls.Load())
	}
}

func TestRunRefusesReuse(t *testing.T) {
	base := alice(context.Background())
	bob := identity.With(context.Background(), identity.Identity{Subject: "bob", Roles: []identity.Role{identity.Applicant}})
	tests := []struct {
		name string
		ctx  context.Context
		req  proto.Message
	}{
		{"different body", base, wrapperspb.String("create y")},
		{"different caller", bob, wrapperspb.String("create x")},
		{"anonymous caller", context.Background(), wrapperspb.String("create x")},
		{"different method", methodCtx(base, "/commonweal.test.v1.Things/DeleteThing"), wrapperspb.String("create x")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool := newPool(t)
			f := &insertThing{pool: pool}
			ctx := methodCtx(alice(testCtx(t)), "/commonweal.test.v1.Things/CreateThing")
			first, err := do(ctx, pool, "req-1", wrapperspb.String("create x"), f.fn("x"))
			if err != nil {
				t.Fatal(err)
			}
			reqCtx, cancel := context.WithTimeout(tt.ctx, 10*time.Second)
			defer cancel()
			if tt.name != "different method" {
				reqCtx = methodCtx(reqCtx, "/commonweal.test.v1.Things/CreateThing")
			}
			got, err := do(reqCtx, pool, "req-1", tt.req, f.fn("y"))
			if !errors.Is(err, errs.ErrRequestIDReused) {
				t.Errorf("err = %v, want ErrRequestIDReused", err)
			}
			if e, ok := errs.As(err); !ok || e.Kind != errs.InvalidArgument {
				t.Errorf("err = %v, want an INVALID_ARGUMENT errs.Error", err)
			}
			if got != nil {
				t.Errorf("refused call returned %v", got)
			}
			if n := f.calls.Load(); n != 1 {
				t.Errorf("fn ran %d times, want 1", n)
			}
			if n := count(t, pool, "SELECT count(*) FROM things"); n != 1 {
				t.Errorf("%d rows, want 1", n)
			}
			// The original request still gets its answer.
			again, err := do(ctx, pool, "req-1", wrapperspb.String("create x"), f.fn("x"))
			if err != nil || !proto.Equal(again, first) {
				t.Errorf("original retry = %v, %v; want %v", again, err, first)
			}
		})
	}
}

func TestRunErrorStoresNothing(t *testing.T) {
	pool := newPool(t)
	ctx := alice(testCtx(t))
	errBoom := errs.New(errs.FailedPrecondition, "TEST_CLOSED", "closed")
	f := &insertThing{pool: pool, fail: errBoom}

	_, err := do(ctx, pool, "req-1", wrapperspb.String("x"), f.fn("x"))
	if !errors.Is(err, errBoom) {
		t.Fatalf("err = %v, want fn's error", err)
	}
	if n := count(t, pool, "SELECT count(*) FROM idempotency_keys"); n != 0 {
		t.Errorf("%d keys stored after a failure", n)
	}
	if n := count(t, pool, "SELECT count(*) FROM things"); n != 0 {
		t.Errorf("fn's write survived its failure: %d rows", n)
	}

	// The retry runs fn again; this time it succeeds and is stored.
	f.fail = nil
	got, err := do(ctx, pool, "req-1", wrapperspb.String("x"), f.fn("x"))
	if err != nil {
		t.Fatal(err)
	}
	if n := f.calls.Load(); n != 2 {
		t.Errorf("fn ran %d times, want 2", n)
	}
	again, err := do(ctx, pool, "req-1", wrapperspb.String("x"), f.fn("x"))
	if err != nil || !proto.Equal(again, got) || f.calls.Load() != 2 {
		t.Errorf("retry after success = %v, %v after %d calls", again, err, f.calls.Load())
	}
	if n := count(t, pool, "SELECT count(*) FROM things"); n != 1 {
		t.Errorf("%d rows, want 1", n)
	}
}

func TestRunEmptyRequestID(t *testing.T) {
	pool := newPool(t)
	ctx := alice(testCtx(t))
	f := &insertThing{pool: pool}
	seen := map[string]bool{}
	for range 3 {
		got, err := do(ctx, pool, "", wrapperspb.String("x"), f.fn("x"))
		if err != nil {
			t.Fatal(err)
		}
		seen[got.GetValue()] = true
	}
	if n := f.calls.Load(); n != 3 || len(seen) != 3 {
		t.Errorf("fn ran %d times with %d distinct answers, want 3 and 3", n, len(seen))
	}
	if n := count(t, pool, "SELECT count(*) FROM things"); n != 3 {
		t.Errorf("%d rows, want 3", n)
	}
	if n := count(t, pool, "SELECT count(*) FROM idempotency_keys"); n != 0 {
		t.Errorf("%d keys stored for empty request IDs", n)
	}

	// Still transactional: fn's failure rolls its writes back.
	f.fail = errors.New("boom")
	if _, err := do(ctx, pool, "", wrapperspb.String("x"), f.fn("x")); err == nil {
		t.Fatal("fn's error lost")
	}
	if n := count(t, pool, "SELECT count(*) FROM things"); n != 3 {
		t.Errorf("%d rows after a failed call, want 3", n)
	}
}

func TestRunRequestIDLength(t *testing.T) {
	pool := newPool(t)
	ctx := alice(testCtx(t))
	f := &insertThing{pool: pool}

	ok := strings.Repeat("a", 128)
	if _, err := do(ctx, pool, ok, wrapperspb.String("x"), f.fn("x")); err != nil {
		t.Errorf("128-character request ID refused: %v", err)
	}
	for _, id := range []string{strings.Repeat("b", 129), strings.Repeat("c", 1000)} {
		got, err := do(ctx, pool, id, wrapperspb.String("x"), f.fn("x"))
		if !errors.Is(err, ErrTooLong) {
			t.Errorf("%d-character request ID: err = %v, want ErrTooLong", len(id), err)
		}
		if e, ok := errs.As(err); !ok || e.Kind != errs.InvalidArgument || len(e.Violations) != 1 || e.Violations[0].Field != "request_id" {
			t.Errorf("err = %#v, want INVALID_ARGUMENT on request_id", err)
		}
		if got != nil {
			t.Errorf("refused call returned %v", got)
		}
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("fn ran %d times, want 1", n)
	}
}

func TestRunConcurrentSameID(t *testing.T) {
	pool := newPool(t)
	ctx := alice(testCtx(t))
	f := &insertThing{pool: pool, delay: 100 * time.Millisecond}
	const n = 10
	answers := make([]*wrapperspb.StringValue, n)
	errors := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			answers[i], errors[i] = do(ctx, pool, "req-same", wrapperspb.String("x"), f.fn("x"))
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errors[i] != nil {
			t.Errorf("call %d: %v", i, errors[i])
			continue
		}
		if !proto.Equal(answers[i], answers[0]) {
			t.Errorf("call %d answered %v, call 0 %v", i, answers[i], answers[0])
		}
	}
	if got := f.calls.Load(); got != 1 {
		t.Errorf("fn ran %d times, want exactly 1", got)
	}
	if got := count(t, pool, "SELECT count(*) FROM things"); got != 1 {
		t.Errorf("%d rows, want 1", got)
	}
}

func TestRunEmptyResponse(t *testing.T) {
	// Delete methods answer google.protobuf.Empty, which marshals to zero bytes.
	pool := newPool(t)
	ctx := alice(testCtx(t))
	var calls int
	fn := func(ctx context.Context) (*emptypb.Empty, error) {
		calls++
		_, err := db.Q(ctx, pool).Exec(ctx, "INSERT INTO things (v) VALUES ('deleted')")
		return &emptypb.Empty{}, err
	}
	for i := range 3 {
		got, err := do(ctx, pool, "del-1", wrapperspb.String("delete 7"), fn)
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if got == nil {
			t.Fatalf("call %d returned nil", i)
		}
	}
	if calls != 1 {
		t.Errorf("fn ran %d times, want 1", calls)
	}
}

func TestRunJoinsOuterTransaction(t *testing.T) {
	pool := newPool(t)
	ctx := alice(testCtx(t))
	f := &insertThing{pool: pool}
	errBoom := errors.New("boom")
	err := db.InTx(ctx, pool, func(ctx context.Context) error {
		if _, err := do(ctx, pool, "req-1", wrapperspb.String("x"), f.fn("x")); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatal(err)
	}
	if n := count(t, pool, "SELECT count(*) FROM idempotency_keys") + count(t, pool, "SELECT count(*) FROM things"); n != 0 {
		t.Errorf("%d rows survived the outer rollback", n)
	}
}

// do is how a use case uses the package: the key from the request, a replay check before anything else,
// then one unit of work. The proto answer travels as bytes, which round-trip through the stored JSON.
func do[T proto.Message](ctx context.Context, pool *pgxpool.Pool, requestID string, req proto.Message, fn func(ctx context.Context) (T, error)) (T, error) {
	var zero T
	key, err := KeyOf(ctx, requestID, req)
	if err != nil {
		return zero, err
	}
	st := NewPG(pool)
	decode := func(b []byte, err error) (T, error) {
		if err != nil {
			return zero, err
		}
		out := zero.ProtoReflect().New().Interface().(T)
		return out, proto.Unmarshal(b, out)
	}
	if b, done, err := Replay[[]byte](ctx, st, key); done || err != nil {
		return decode(b, err)
	}
	return decode(Run(ctx, st, key, func(ctx context.Context) ([]byte, error) {
		out, err := fn(ctx)
		if err != nil {
			return nil, err
		}
		return proto.Marshal(out)
	}))
}

// TestReplayBeforeRemoteReads checks a retry is answered from the record without running anything, as a
// use case does before it asks other services.
func TestReplayBeforeRemoteReads(t *testing.T) {
	pool := newPool(t)
	ctx := methodCtx(alice(testCtx(t)), "/svc/Create")
	st := NewPG(pool)
	type answer struct {
		ID   int64
		Name string
		At   time.Time
	}
	key, err := KeyOf(ctx, "req-r", wrapperspb.String("x"))
	if err != nil {
		t.Fatal(err)
	}
	if _, done, err := Replay[answer](ctx, st, key); done || err != nil {
		t.Fatalf("a new request replayed: done=%v err=%v", done, err)
	}
	at := time.Date(2026, 3, 1, 9, 30, 0, 123000, time.UTC)
	first, err := Run(ctx, st, key, func(ctx context.Context) (answer, error) { return answer{7, "x", at}, nil })
	if err != nil {
		t.Fatal(err)
	}
	got, done, err := Replay[answer](ctx, st, key)
	if err != nil || !done || got.ID != first.ID || got.Name != "x" || !got.At.Equal(at) {
		t.Fatalf("Replay = %+v, %v, %v; want %+v", got, done, err, first)
	}
	other, err := KeyOf(methodCtx(alice(testCtx(t)), "/svc/Create"), "req-r", wrapperspb.String("y"))
	if err != nil {
		t.Fatal(err)
	}
	if _, done, err := Replay[answer](ctx, st, other); !done || !errs.ErrRequestIDReused.Is(err) {
		t.Fatalf("reused ID with another body: done=%v err=%v, want REQUEST_ID_REUSED", done, err)
	}
}
