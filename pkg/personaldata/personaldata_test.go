package personaldata_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/personaldata"
	"github.com/commonweal/commonweal/pkg/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var tmpl = pgtest.NewTemplate("personaldata_v1", func(ctx context.Context, _, dbURL string) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, personaldata.TableSQL)
	return err
})

// The audit trail lists newest first, by subject, in pages that neither repeat nor skip an entry.
func TestRecordAndList(t *testing.T) {
	ctx := context.Background()
	_, dbURL := tmpl.Database(t)
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	var want []string
	for i := range 5 {
		subject := "org-a"
		if i%2 == 1 {
			subject = "org-b"
		}
		r := personaldata.Request{ID: uuid.NewString(), SubjectKind: personaldata.OrganizationContact, SubjectID: subject,
			Action: personaldata.Export, RequestedBy: "user:" + subject, At: at.Add(time.Duration(i) * time.Minute), Values: i}
		if err := personaldata.Record(ctx, conn, r); err != nil {
			t.Fatal(err)
		}
		if subject == "org-a" {
			want = append([]string{r.ID}, want...)
		}
	}
	var got []string
	f := personaldata.Filter{SubjectID: "org-a", Limit: 2}
	for {
		page, err := personaldata.List(ctx, conn, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			if r.SubjectID != "org-a" || r.Action != personaldata.Export || r.SubjectKind != personaldata.OrganizationContact {
				t.Errorf("entry %+v", r)
			}
			got = append(got, r.ID)
		}
		if len(page) < f.Limit {
			break
		}
		last := page[len(page)-1]
		f.BeforeTime, f.BeforeID = last.At, last.ID
	}
	if len(got) != len(want) {
		t.Fatalf("listed %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("listed %v, want %v (newest first)", got, want)
		}
	}
	all, err := personaldata.List(ctx, conn, personaldata.Filter{Limit: 10})
	if err != nil || len(all) != 5 {
		t.Fatalf("all entries: %d, %v", len(all), err)
	}
}
