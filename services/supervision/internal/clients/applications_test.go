package clients_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/peer/peertest"
	"github.com/commonweal/commonweal/services/supervision/internal/clients"
)

// fakeApplications is the applications service as a test sets it: it answers err when set, else one
// application "A", one round "R" and, for listings, `accepted` applications of R over pages of two
// (whatever page size is asked, so the client must follow the tokens). It records what it was asked.
type fakeApplications struct {
	applicationsv1.UnimplementedApplicationsServiceServer
	err      error
	accepted []*applicationsv1.Application

	mu         sync.Mutex
	callers    []string
	statuses   []applicationsv1.ApplicationStatus
	categories []applicationsv1.Category // of each list call
}

var (
	entered   = time.Date(2026, 3, 15, 2, 0, 0, 0, time.UTC)
	published = time.Date(2025, 11, 1, 1, 0, 0, 0, time.UTC)
)

func (f *fakeApplications) seen(ctx context.Context) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.callers = append(f.callers, identity.From(ctx).Subject)
}

func (f *fakeApplications) GetApplication(ctx context.Context, _ *applicationsv1.GetApplicationRequest) (*applicationsv1.Application, error) {
	f.seen(ctx)
	if f.err != nil {
		return nil, f.err
	}
	return &applicationsv1.Application{Id: "A", RoundId: "R", OrgId: "O", Title: "Meals", Stage: applicationsv1.Stage_STAGE_SELECTED, DurationMonths: 12,
		BudgetItems: []*applicationsv1.BudgetItem{{Name: "meals", AmountFen: 100}, {Name: "staff", AmountFen: 200}}}, nil
}

func (f *fakeApplications) GetRound(ctx context.Context, _ *applicationsv1.GetRoundRequest) (*applicationsv1.Round, error) {
	f.seen(ctx)
	if f.err != nil {
		return nil, f.err
	}
	percent := int32(60)
	return &applicationsv1.Round{Id: "R", Phase: applicationsv1.Phase_PHASE_IMPLEMENTATION, PhaseEnterTime: timestamppb.New(entered),
		PublishTime: timestamppb.New(published), Policy: &applicationsv1.Policy{MonthlyReportDueDay: 10, TimeZone: "Asia/Shanghai",
			HomeDistrict: "华州区", HomeDistrictMinPercent: &percent}}, nil
}

func (f *fakeApplications) ListApplications(ctx context.Context, req *applicationsv1.ListApplicationsRequest) (*applicationsv1.ListApplicationsResponse, error) {
	f.seen(ctx)
	f.mu.Lock()
	f.statuses = append(f.statuses, req.GetStatus())
	f.categories = append(f.categories, req.GetCategory())
	f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	list := f.accepted
	if c := req.GetCategory(); c != applicationsv1.Category_CATEGORY_UNSPECIFIED {
		list = nil
		for _, a := range f.accepted {
			if a.GetCategory() == c {
				list = append(list, a)
			}
		}
	}
	start := 0
	if req.GetPageToken() != "" {
		fmt.Sscanf(req.GetPageToken(), "from-%d", &start)
	}
	end := min(start+2, len(list))
	out := &applicationsv1.ListApplicationsResponse{Applications: list[start:end]}
	if end < len(list) {
		out.NextPageToken = fmt.Sprintf("from-%d", end)
	}
	return out, nil
}

func client(t *testing.T, fake *fakeApplications) *clients.Applications {
	t.Helper()
	conn := peertest.Dial(t, "supervision", 0, func(s *grpc.Server) { applicationsv1.RegisterApplicationsServiceServer(s, fake) })
	return clients.NewApplications(conn)
}

func TestApplicationsAnswers(t *testing.T) {
	fake := &fakeApplications{}
	for i, stage := range []applicationsv1.Stage{applicationsv1.Stage_STAGE_SELECTED, applicationsv1.Stage_STAGE_NOT_SELECTED,
		applicationsv1.Stage_STAGE_SELECTED, applicationsv1.Stage_STAGE_IDEA_PRIZE, applicationsv1.Stage_STAGE_SELECTED} {
		fake.accepted = append(fake.accepted, &applicationsv1.Application{Id: fmt.Sprintf("app-%d", i), RoundId: "R", Stage: stage, DurationMonths: int32(6 + i)})
	}
	c := client(t, fake)
	ctx := context.Background()
	p, err := c.GetProject(ctx, "A")
	if err != nil || p.ID != "A" || p.RoundID != "R" || p.OrgID != "O" || p.Title != "Meals" || p.Stage != "SELECTED" || p.DurationMonths != 12 ||
		!slices.Equal(p.BudgetLines, []string{"meals", "staff"}) {
		t.Fatalf("project: %v %+v", err, p)
	}
	r, err := c.GetRound(ctx, "R")
	if err != nil || r.Phase != "IMPLEMENTATION" || !r.PhaseEnteredAt.Equal(entered) || r.MonthlyReportDueDay != 10 || r.TimeZone != "Asia/Shanghai" ||
		!r.PublishedAt.Equal(published) || r.HomeDistrict != "华州区" || r.HomeDistrictMinPercent != 60 {
		t.Fatalf("round: %v %+v", err, r)
	}
	selected, err := c.SelectedProjects(ctx, "R")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range selected {
		got = append(got, fmt.Sprintf("%s/%d", s.ID, s.DurationMonths))
	}
	if want := []string{"app-0/6", "app-2/8", "app-4/10"}; !slices.Equal(got, want) {
		t.Fatalf("selected over three pages = %v, want %v", got, want)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	for _, s := range fake.statuses {
		if s != applicationsv1.ApplicationStatus_APPLICATION_STATUS_ACCEPTED {
			t.Errorf("listed applications with status %v, want only the accepted ones", s)
		}
	}
	if len(fake.statuses) != 3 {
		t.Errorf("%d list calls, want 3 pages", len(fake.statuses))
	}
	for _, who := range fake.callers {
		if who != "service:supervision" {
			t.Fatalf("the applications service was asked by %q, want the supervision service's own identity", who)
		}
	}
}

// TestApplicationsFailuresAreOurs: whatever the applications service answers, the caller gets one of this
// service's errors: a missing project as PROJECT_NOT_FOUND, an outage as a retryable APPLICATIONS_UNAVAILABLE,
// the peer's refusal of this service never as if it refused the caller.
func TestApplicationsFailuresAreOurs(t *testing.T) {
	type want struct {
		reason string
		kind   errs.Kind
	}
	unavailable := want{"APPLICATIONS_UNAVAILABLE", errs.Unavailable}
	failed := want{"APPLICATIONS_CALL_FAILED", errs.Internal}
	tests := []struct {
		name                 string
		peer                 error
		project, round, list want
	}{
		{"not found", status.Error(codes.NotFound, "no such thing"), want{"PROJECT_NOT_FOUND", errs.NotFound}, want{"NOT_FOUND", errs.NotFound}, want{"NOT_FOUND", errs.NotFound}},
		{"unavailable", status.Error(codes.Unavailable, "down"), unavailable, unavailable, unavailable},
		{"deadline", status.Error(codes.DeadlineExceeded, "slow"), unavailable, unavailable, unavailable},
		{"peer refuses this service", status.Error(codes.PermissionDenied, "no"), failed, failed, failed},
		{"peer fails", status.Error(codes.Internal, "boom"), failed, failed, failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := client(t, &fakeApplications{err: tt.peer})
			ctx := context.Background()
			_, errProject := c.GetProject(ctx, "A")
			_, errRound := c.GetRound(ctx, "R")
			_, errList := c.SelectedProjects(ctx, "R")
			for _, got := range []struct {
				err  error
				want want
			}{{errProject, tt.project}, {errRound, tt.round}, {errList, tt.list}} {
				if e, ok := errs.As(got.err); !ok || e.Reason != got.want.reason || e.Kind != got.want.kind {
					t.Fatalf("got %v, want %s (kind %v)", got.err, got.want.reason, got.want.kind)
				}
			}
		})
	}
}

func TestApplicationsUnreachable(t *testing.T) {
	_, err := clients.NewApplications(peertest.Unreachable(t, "supervision")).GetRound(context.Background(), "R")
	if e, ok := errs.As(err); !ok || e.Reason != "APPLICATIONS_UNAVAILABLE" || e.Kind != errs.Unavailable {
		t.Fatalf("unreachable peer: %v", err)
	}
}
