package httpapi

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"google.golang.org/protobuf/types/known/timestamppb"

	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
)

// page is a page of n applications like the list's, titled after title.
func page(n int, title string) *applicationsv1.ListApplicationsResponse {
	resp := &applicationsv1.ListApplicationsResponse{NextPageToken: "token-" + title}
	for i := range n {
		resp.Applications = append(resp.Applications, &applicationsv1.Application{
			Id: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), RoundId: "00000000-0000-4000-8000-000000000001",
			Category: applicationsv1.Category_CATEGORY_ELDERLY, Title: fmt.Sprintf("%s %d", title, i),
			Summary:     "Weekly visits and meal delivery for elderly people living alone.",
			BudgetItems: []*applicationsv1.BudgetItem{{Name: "meals", AmountFen: 12_000_000}, {Name: "staff", AmountFen: 8_000_000}},
			ServiceArea: []string{"Renmin Road community"}, CreateTime: timestamppb.New(timestamppb.Now().AsTime()),
		})
	}
	return resp
}

// The memo answers exactly what protojson answers, the first time and every time after, for each answer;
// an answer changed since is marshalled afresh; small answers are not kept; what a caller appends to an answer
// never reaches the memo.
func TestMemoMarshalerAnswersAsProtojson(t *testing.T) {
	plain, memo := jsonMarshaler(), &memoMarshaler{Marshaler: jsonMarshaler()}
	same := func(name string, v any) []byte {
		t.Helper()
		want, err := plain.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := memo.Marshal(v)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: %s, %v;\nwant %s", name, got, err, want)
		}
		return got
	}
	a, b := page(20, "Meals"), page(20, "Visits")
	for range 3 {
		same("page a", a)
		same("page b", b)
	}
	if len(memo.json) != 2 {
		t.Errorf("%d answers kept, want the 2 pages", len(memo.json))
	}
	a.Applications[7].Title = "Changed"
	same("page a changed", a)
	a.Applications[7].BudgetItems[0].AmountFen = 1
	same("page a changed again", a)

	got := same("page b", b)
	_ = append(got, '\n') // a stream's delimiter
	if again := same("page b after an append", b); len(again) != len(got) {
		t.Errorf("the memo's answer grew to %d bytes", len(again))
	}

	small := page(1, "Small")
	same("small", small)
	same("empty", &applicationsv1.ListApplicationsResponse{})
	same("not a message", map[string]int{"a": 1})
	if len(memo.json) != 4 {
		t.Errorf("%d answers kept, want 4 (no small one)", len(memo.json))
	}
}

// The memo holds at most memoHeldBytes, and answers concurrent callers (go test -race).
func TestMemoMarshalerBounded(t *testing.T) {
	plain, memo := jsonMarshaler(), &memoMarshaler{Marshaler: jsonMarshaler()}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 90 {
				p := page(60, fmt.Sprintf("g%d-%d", g, i%80)) // 320 pages of ~35 kB: past the bound

				got, err := memo.Marshal(p)
				want, _ := plain.Marshal(p)
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("page %d/%d differs", g, i)
					return
				}
			}
		}()
	}
	wg.Wait()
	memo.mu.Lock()
	defer memo.mu.Unlock()
	if memo.held > memoHeldBytes || memo.held == 0 {
		t.Errorf("%d bytes held, want some and at most %d", memo.held, memoHeldBytes)
	}
}

// BenchmarkListPageJSON is the gateway's conversion of a page of 20 applications: protojson every time, and
// the memo's answer to the same page again.
func BenchmarkListPageJSON(b *testing.B) {
	p := page(20, "Meals")
	for name, m := range map[string]interface{ Marshal(any) ([]byte, error) }{"protojson": jsonMarshaler(), "memo": &memoMarshaler{Marshaler: jsonMarshaler()}} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Marshal(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
