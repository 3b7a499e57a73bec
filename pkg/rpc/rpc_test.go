package rpc

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/pagetoken"
)

// request is a mutation whose request_id is its value.
type request struct{ *wrapperspb.StringValue }

func (r request) GetRequestId() string { return r.GetValue() }

func TestMutate(t *testing.T) {
	ctx := context.Background()
	var got idempotency.Key
	out, err := Mutate(ctx, request{wrapperspb.String("req-1")}, func(k idempotency.Key) (int, error) { got = k; return 41, nil },
		func(n int) int { return n + 1 })
	if err != nil || out != 42 {
		t.Fatalf("Mutate = %d, %v", out, err)
	}
	if got.RequestID != "req-1" || len(got.Fingerprint) == 0 {
		t.Fatalf("the use case got key %+v", got)
	}

	// A bad request_id never reaches the use case.
	ran := false
	_, err = Mutate(ctx, request{wrapperspb.String(strings.Repeat("x", 129))}, func(idempotency.Key) (int, error) { ran = true; return 0, nil },
		func(n int) int { return n })
	if ran || status.Code(err) != codes.InvalidArgument || grpcerr.Reason(err) != "INVALID_REQUEST_ID" {
		t.Fatalf("long request_id: ran=%v err=%v", ran, err)
	}
}

func TestQueryErrorsBecomeStatuses(t *testing.T) {
	_, err := Query(context.Background(), func() (int, error) { return 0, errs.ErrNotFound.With("round x not found") },
		func(n int) int { t.Fatal("converted a failed answer"); return n })
	if status.Code(err) != codes.NotFound || grpcerr.Reason(err) != "NOT_FOUND" {
		t.Fatalf("err = %v", err)
	}
}

type listReq struct {
	size  int32
	token string
}

func (r listReq) GetPageSize() int32   { return r.size }
func (r listReq) GetPageToken() string { return r.token }

// TestListWalksEveryItemOnce pages through 7 items 3 at a time: every item once, in order, and the last
// page has no token.
func TestListWalksEveryItemOnce(t *testing.T) {
	ctx := context.Background()
	tokens := pagetoken.NewSigner([]byte("a-test-key-of-enough-length-0123456789"))
	type item struct {
		id string
		at time.Time
	}
	base := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	var all []item
	for i := range 7 {
		all = append(all, item{fmt.Sprintf("id-%d", i), base.Add(time.Duration(i) * time.Minute)})
	}
	fetch := func(after pagetoken.Cursor, limit int) ([]item, error) {
		var out []item
		for _, it := range all {
			if after.After == "" || it.at.After(after.AfterTime) {
				out = append(out, it)
			}
		}
		return out[:min(limit, len(out))], nil
	}
	key := func(it item) (string, time.Time) { return it.id, it.at }
	var got []string
	token := ""
	for pages := 1; ; pages++ {
		page, next, err := List(ctx, tokens, listReq{3, token}, "filter-a", fetch, key, func(it item) string { return it.id })
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page...)
		if next == "" {
			if pages != 3 {
				t.Fatalf("%d pages, want 3", pages)
			}
			break
		}
		token = next
	}
	if strings.Join(got, ",") != "id-0,id-1,id-2,id-3,id-4,id-5,id-6" {
		t.Fatalf("walked %v", got)
	}

	// A token is refused for another filter (another query or caller), and a size over the maximum.
	_, next, _ := List(ctx, tokens, listReq{3, ""}, "filter-a", fetch, key, func(it item) string { return it.id })
	if _, _, err := List(ctx, tokens, listReq{3, next}, "filter-b", fetch, key, func(it item) string { return it.id }); grpcerr.Reason(err) != "INVALID_PAGE_TOKEN" {
		t.Fatalf("token of another filter: %v", err)
	}
	if _, _, err := List(ctx, tokens, listReq{101, ""}, "filter-a", fetch, key, func(it item) string { return it.id }); grpcerr.Reason(err) != "INVALID_PAGE_SIZE" {
		t.Fatalf("page_size 101: %v", err)
	}
}
