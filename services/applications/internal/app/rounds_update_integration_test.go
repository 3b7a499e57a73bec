package app_test

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/services/applications/internal/api"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// PATCH /v1/rounds/{id} through the handler and the database (AIP-134): a mask changes exactly what it names;
// without one, what is given; an omitted policy is kept.
func TestUpdateRoundMask(t *testing.T) {
	f := setup(t)
	srv := api.NewServer(f.svc, nil)
	deadline := f.clock.Now().Add(48 * time.Hour).Truncate(time.Second)
	r, err := f.svc.CreateRound(organizer, app.CreateRound{Name: "2026", Year: 2026,
		Policy: domain.Policy{SubmissionDeadline: deadline, ShortlistQuota: 7, SelectionQuota: 3, PublicityPeriod: time.Hour}, Notice: notice})
	if err != nil {
		t.Fatal(err)
	}
	etag := domain.Etag(r.ID, r.Version)
	update := func(req *pb.UpdateRoundRequest) (*pb.Round, error) {
		t.Helper()
		req.RoundId, req.Etag = r.ID, etag
		out, err := srv.UpdateRound(organizer, req)
		if err == nil {
			etag = out.GetEtag()
		}
		return out, err
	}
	mask := func(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }
	keeps := func(what string, got *pb.Round, quota int32, at time.Time) {
		t.Helper()
		if got.GetPolicy().GetShortlistQuota() != quota || !got.GetPolicy().GetSubmissionDeadline().AsTime().Equal(at) || got.GetPolicy().GetSelectionQuota() != 3 {
			t.Fatalf("%s: policy %v, want shortlist quota %d, deadline %v, selection quota 3", what, got.GetPolicy(), quota, at)
		}
	}

	// Name only, by mask: the policy stays as it was (before, the policy was wiped to its defaults).
	got, err := update(&pb.UpdateRoundRequest{Name: "2026 renamed", UpdateMask: mask("name")})
	if err != nil || got.GetName() != "2026 renamed" {
		t.Fatalf("rename by mask: %v %v", got.GetName(), err)
	}
	keeps("rename by mask", got, 7, deadline)

	// Name only, without a mask and without a policy: the policy is kept too.
	if got, err = update(&pb.UpdateRoundRequest{Name: "2026 again"}); err != nil || got.GetName() != "2026 again" {
		t.Fatalf("rename without a mask: %v %v", got.GetName(), err)
	}
	keeps("rename without a mask", got, 7, deadline)

	// One policy field by mask: only that one changes, though the request's policy carries others.
	later := deadline.Add(24 * time.Hour)
	got, err = update(&pb.UpdateRoundRequest{UpdateMask: mask("policy.submission_deadline"),
		Policy: &pb.Policy{SubmissionDeadline: timestamppb.New(later), ShortlistQuota: 1}})
	if err != nil {
		t.Fatal(err)
	}
	keeps("deadline by mask", got, 7, later)
	if got.GetName() != "2026 again" {
		t.Fatalf("a policy field by mask changed the name: %q", got.GetName())
	}

	// A mask naming a field the request leaves out sets it to its default; the merged policy is validated.
	_, err = update(&pb.UpdateRoundRequest{UpdateMask: mask("policy.shortlist_quota"), Policy: &pb.Policy{ShortlistQuota: -1}})
	if s := status.Convert(err); s.Code() != codes.InvalidArgument {
		t.Fatalf("invalid merged policy: %v", err)
	}

	// Unknown paths: refused, nothing changes.
	for _, path := range []string{"policy.no_such_field", "year", "phase", "policy.weights.panel_percent"} {
		_, err = update(&pb.UpdateRoundRequest{UpdateMask: mask(path), Name: "x"})
		if e := reasonOf(err); e != "INVALID_UPDATE_MASK" {
			t.Errorf("mask %q: %v, want INVALID_UPDATE_MASK", path, err)
		}
	}
	_, err = update(&pb.UpdateRoundRequest{UpdateMask: mask("name")})
	if e := reasonOf(err); e != "NAME_REQUIRED" {
		t.Errorf("mask name without a name: %v", err)
	}
	now, err := f.svc.GetRound(organizer, r.ID)
	if err != nil || now.Name != "2026 again" || now.Policy.ShortlistQuota != 7 || !now.Policy.SubmissionDeadline.Equal(later) {
		t.Fatalf("after refusals: %q %d %v %v", now.Name, now.Policy.ShortlistQuota, now.Policy.SubmissionDeadline, err)
	}

	// The whole policy by mask, or given without a mask, replaces it.
	got, err = update(&pb.UpdateRoundRequest{UpdateMask: mask("policy"), Policy: &pb.Policy{SubmissionDeadline: timestamppb.New(deadline), ShortlistQuota: 4, SelectionQuota: 3}})
	if err != nil {
		t.Fatal(err)
	}
	keeps("whole policy by mask", got, 4, deadline)
	got, err = update(&pb.UpdateRoundRequest{Policy: &pb.Policy{SubmissionDeadline: timestamppb.New(later), ShortlistQuota: 5, SelectionQuota: 3}})
	if err != nil {
		t.Fatal(err)
	}
	keeps("whole policy without a mask", got, 5, later)
}

// reasonOf is the stable reason a gRPC error carries.
func reasonOf(err error) string { return grpcerr.Reason(err) }
