package httpapi

import (
	"testing"

	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
)

// FuzzDecodeApplication feeds arbitrary bodies to the gateway's JSON decoder: it must never panic, and
// whatever it accepts must encode and decode back to the same message.
func FuzzDecodeApplication(f *testing.F) {
	f.Add([]byte(`{"org_id":"x","category":"CATEGORY_ELDERLY","title":"t","budget_items":[{"name":"a","amount_fen":"12"}]}`))
	f.Add([]byte(`{"budgetItems":[{"amountFen":-1}],"durationMonths":1e3}`))
	f.Add([]byte(`{"title":`))
	m := jsonMarshaler()
	f.Fuzz(func(t *testing.T, body []byte) {
		var req applicationsv1.CreateApplicationRequest
		if err := m.Unmarshal(body, &req); err != nil {
			return
		}
		out, err := m.Marshal(&req)
		if err != nil {
			t.Fatalf("accepted body does not encode: %v", err)
		}
		var again applicationsv1.CreateApplicationRequest
		if err := m.Unmarshal(out, &again); err != nil {
			t.Fatalf("encoded form does not decode: %v (%s)", err, out)
		}
		if again.GetTitle() != req.GetTitle() || len(again.GetBudgetItems()) != len(req.GetBudgetItems()) {
			t.Fatalf("round trip changed the request: %s", out)
		}
	})
}
