package clients_test

import (
	"context"
	"fmt"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/peer/peertest"
	"github.com/commonweal/commonweal/services/supervision/internal/clients"
)

// withOrganizations is the fake applications service also answering organisations, counting the calls.
type withOrganizations struct {
	*fakeApplications
	orgCalls int
	orgErr   error
}

func (f *withOrganizations) GetOrganization(_ context.Context, req *applicationsv1.GetOrganizationRequest) (*applicationsv1.Organization, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.orgCalls++
	if f.orgErr != nil {
		return nil, f.orgErr
	}
	return &applicationsv1.Organization{Id: req.GetOrgId(), Name: "Org " + req.GetOrgId()}, nil
}

func statsClient(t *testing.T, fake *withOrganizations) *clients.Applications {
	t.Helper()
	conn := peertest.Dial(t, "supervision", 0, func(s *grpc.Server) { applicationsv1.RegisterApplicationsServiceServer(s, fake) })
	return clients.NewApplications(conn)
}

// TestRoundApplications: every application over every page, any status (no filter asked), with its category,
// communities, status and budget; the selected ones with their organisation's name, asked once per organisation.
func TestRoundApplications(t *testing.T) {
	fake := &withOrganizations{fakeApplications: &fakeApplications{}}
	for i, stage := range []applicationsv1.Stage{applicationsv1.Stage_STAGE_SELECTED, applicationsv1.Stage_STAGE_UNSPECIFIED,
		applicationsv1.Stage_STAGE_SELECTED, applicationsv1.Stage_STAGE_NOT_SHORTLISTED} {
		fake.accepted = append(fake.accepted, &applicationsv1.Application{Id: fmt.Sprintf("app-%d", i), RoundId: "R", OrgId: "O", Stage: stage,
			Category: applicationsv1.Category_CATEGORY_YOUTH, ServiceArea: []string{"向阳街道"}, BudgetTotalFen: int64(100 + i),
			Status: applicationsv1.ApplicationStatus_APPLICATION_STATUS_REJECTED})
	}
	apps, err := statsClient(t, fake).RoundApplications(context.Background(), "R")
	if err != nil || len(apps) != 4 {
		t.Fatalf("%v %+v", err, apps)
	}
	a := apps[2]
	if a.ID != "app-2" || a.Category != "YOUTH" || a.Status != "REJECTED" || a.BudgetFen != 102 || a.ServiceArea[0] != "向阳街道" || a.OrgName != "Org O" ||
		apps[1].OrgName != "" || apps[1].Stage != "" {
		t.Fatalf("applications: %+v", apps)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if fake.orgCalls != 1 || len(fake.statuses) != 2 || fake.statuses[0] != applicationsv1.ApplicationStatus_APPLICATION_STATUS_UNSPECIFIED {
		t.Fatalf("organisation calls %d, list statuses %v", fake.orgCalls, fake.statuses)
	}
}

// TestRoundApplicationsFailuresAreOurs: the peer's failures, listing or naming, are this service's own errors.
func TestRoundApplicationsFailuresAreOurs(t *testing.T) {
	down := status.Error(codes.Unavailable, "down")
	selected := []*applicationsv1.Application{{Id: "A", OrgId: "O", Stage: applicationsv1.Stage_STAGE_SELECTED}}
	for name, fake := range map[string]*withOrganizations{
		"list":         {fakeApplications: &fakeApplications{err: down}},
		"organisation": {fakeApplications: &fakeApplications{accepted: selected}, orgErr: down},
	} {
		_, err := statsClient(t, fake).RoundApplications(context.Background(), "R")
		if e, ok := errs.As(err); !ok || e.Reason != "APPLICATIONS_UNAVAILABLE" || e.Kind != errs.Unavailable {
			t.Errorf("%s: %v", name, err)
		}
	}
}
