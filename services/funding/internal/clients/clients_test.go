package clients_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	donationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	privacyv1 "github.com/commonweal/commonweal/gen/go/commonweal/privacy/v1"
	reviewsv1 "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	supervisionv1 "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/money"
	"github.com/commonweal/commonweal/pkg/peer/peertest"
	"github.com/commonweal/commonweal/services/funding/internal/clients"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

// suite plays the three peer services on one server: each call answers err when set, else a fixed answer,
// and remembers the request it got.
type suite struct {
	applicationsv1.UnimplementedApplicationsServiceServer
	reviewsv1.UnimplementedReviewsServiceServer
	donationsv1.UnimplementedDonationsServiceServer
	supervisionv1.UnimplementedSupervisionServiceServer
	err     error
	reserve *donationsv1.ReserveDonationShareRequest
	back    *donationsv1.ReturnDonationShareRequest
	asOf    time.Time
	caller  string
}

var cutoff = time.Date(2026, 6, 1, 16, 0, 0, 0, time.UTC)

func (s *suite) GetRound(ctx context.Context, _ *applicationsv1.GetRoundRequest) (*applicationsv1.Round, error) {
	s.caller = identity.From(ctx).Subject
	if s.err != nil {
		return nil, s.err
	}
	matchCap, topupCap := int64(50_000_000), int64(30_000_000)
	return &applicationsv1.Round{Id: "R", Year: 2026, Phase: applicationsv1.Phase_PHASE_APPROVAL, DonationCutoff: timestamppb.New(cutoff),
		Policy: &applicationsv1.Policy{MatchRatio: &applicationsv1.MatchRatio{Donation: 1, Match: 2}, MatchCapFen: &matchCap, TopupCapFen: &topupCap,
			IdeaPrizeTiers: []*applicationsv1.IdeaPrizeTier{{Tier: 2, AmountFen: 200_000}, {Tier: 1, AmountFen: 300_000, Count: 1}},
			Tranches: []*applicationsv1.TrancheRule{{Number: 1, Percent: 50, Gate: applicationsv1.TrancheGate_TRANCHE_GATE_CONTRACT_SIGNED},
				{Number: 2, Percent: 50, Gate: applicationsv1.TrancheGate_TRANCHE_GATE_MIDTERM_PASSED}}}}, nil
}

func (s *suite) GetApplication(context.Context, *applicationsv1.GetApplicationRequest) (*applicationsv1.Application, error) {
	if s.err != nil {
		return nil, s.err
	}
	return &applicationsv1.Application{Id: "A", RoundId: "R", OrgId: "O", BudgetTotalFen: 2_000, Stage: applicationsv1.Stage_STAGE_SELECTED}, nil
}

func (s *suite) GetOrganization(context.Context, *applicationsv1.GetOrganizationRequest) (*applicationsv1.Organization, error) {
	if s.err != nil {
		return nil, s.err
	}
	return &applicationsv1.Organization{Id: "O", Registered: true}, nil
}

func (s *suite) GetResults(context.Context, *reviewsv1.GetResultsRequest) (*reviewsv1.Results, error) {
	if s.err != nil {
		return nil, s.err
	}
	return &reviewsv1.Results{RoundId: "R", State: reviewsv1.ResultsState_RESULTS_STATE_SIGNED_OFF, Entries: []*reviewsv1.ResultEntry{
		{ApplicationId: "A", Selected: true}, {ApplicationId: "B"}, {ApplicationId: "C", Selected: true}, {ApplicationId: "D", IdeaPrizeTier: 2}}}, nil
}

func (s *suite) GetDonationSummary(_ context.Context, req *donationsv1.GetDonationSummaryRequest) (*donationsv1.DonationSummary, error) {
	s.asOf = req.GetAsOf().AsTime()
	if s.err != nil {
		return nil, s.err
	}
	return &donationsv1.DonationSummary{ApplicationId: "A", ConfirmedTotalFen: 1_500, ConfirmedCashFen: 1_000, ConfirmedInKindFen: 500}, nil
}

func (s *suite) ReserveDonationShare(_ context.Context, req *donationsv1.ReserveDonationShareRequest) (*donationsv1.LedgerTransfer, error) {
	s.reserve = req
	if s.err != nil {
		return nil, s.err
	}
	return &donationsv1.LedgerTransfer{TransferId: req.GetTransferId()}, nil
}

func (s *suite) ReleaseDonationShare(context.Context, *donationsv1.ReleaseDonationShareRequest) (*donationsv1.LedgerTransfer, error) {
	if s.err != nil {
		return nil, s.err
	}
	return &donationsv1.LedgerTransfer{}, nil
}

func (s *suite) ReturnDonationShare(_ context.Context, req *donationsv1.ReturnDonationShareRequest) (*donationsv1.LedgerTransfer, error) {
	s.back = req
	if s.err != nil {
		return nil, s.err
	}
	return &donationsv1.LedgerTransfer{TransferId: req.GetTransferId()}, nil
}

func (s *suite) GetEvaluationStatus(_ context.Context, req *supervisionv1.GetEvaluationStatusRequest) (*supervisionv1.EvaluationStatus, error) {
	if s.err != nil {
		return nil, s.err
	}
	// The mid-term evaluation passed; the final acceptance failed.
	passed := req.GetKind() == supervisionv1.EvaluationKind_EVALUATION_KIND_MIDTERM
	result := map[bool]supervisionv1.EvaluationResult{true: supervisionv1.EvaluationResult_EVALUATION_RESULT_PASSED,
		false: supervisionv1.EvaluationResult_EVALUATION_RESULT_FAILED}[passed]
	return &supervisionv1.EvaluationStatus{ProjectId: req.GetProjectId(), Kind: req.GetKind(), Exists: true, Result: result}, nil
}

func (s *suite) GetVerifiedSpending(_ context.Context, req *supervisionv1.GetVerifiedSpendingRequest) (*supervisionv1.VerifiedSpending, error) {
	if s.err != nil {
		return nil, s.err
	}
	return &supervisionv1.VerifiedSpending{ProjectId: req.GetProjectId(), VerifiedSpendingFen: 1_234, Evaluated: true}, nil
}

// ListPersonalDataRequests is in three of the embedded services (one shared request type): it is named here so
// that the fake implements each of them.
func (s *suite) ListPersonalDataRequests(context.Context, *privacyv1.ListPersonalDataRequestsRequest) (*privacyv1.ListPersonalDataRequestsResponse, error) {
	return nil, status.Error(codes.Unimplemented, "not in this fake")
}

type peers struct {
	apps        *clients.Applications
	reviews     *clients.Reviews
	donations   *clients.Donations
	supervision *clients.Supervision
}

// serve starts s and dials it as the funding service does.
func serve(t *testing.T, s *suite) peers {
	t.Helper()
	conn := peertest.Dial(t, "funding", 0, func(srv *grpc.Server) {
		applicationsv1.RegisterApplicationsServiceServer(srv, s)
		reviewsv1.RegisterReviewsServiceServer(srv, s)
		donationsv1.RegisterDonationsServiceServer(srv, s)
		supervisionv1.RegisterSupervisionServiceServer(srv, s)
	})
	return peers{clients.NewApplications(conn), clients.NewReviews(conn), clients.NewDonations(conn), clients.NewSupervision(conn)}
}

func TestAnswers(t *testing.T) {
	s := &suite{}
	p := serve(t, s)
	ctx := context.Background()
	r, err := p.apps.GetRound(ctx, "R")
	if err != nil || r.Year != 2026 || r.Phase != "APPROVAL" || !r.DonationCutoff.Equal(cutoff) || s.caller != "service:funding" {
		t.Fatalf("round: %v %+v (caller %q)", err, r, s.caller)
	}
	if r.Terms != (money.Terms{RatioDonation: 1, RatioMatch: 2, MatchCapFen: 50_000_000, TopupCapFen: 30_000_000}) {
		t.Fatalf("terms %+v", r.Terms)
	}
	if len(r.Tranches) != 2 || r.Tranches[1] != (domain.TrancheRule{Number: 2, Percent: 50, Gate: domain.GateMidterm}) {
		t.Fatalf("tranches %+v", r.Tranches)
	}
	if len(r.IdeaPrizeFen) != 2 || r.IdeaPrizeFen[0] != 300_000 || r.IdeaPrizeFen[1] != 200_000 {
		t.Fatalf("prizes by tier %v", r.IdeaPrizeFen)
	}
	a, err := p.apps.GetApplication(ctx, "A")
	if err != nil || a.OrgID != "O" || a.BudgetFen != 2_000 || a.Stage != "SELECTED" || a.RoundID != "R" {
		t.Fatalf("application: %v %+v", err, a)
	}
	if o, err := p.apps.GetOrganization(ctx, "O"); err != nil || !o.Registered {
		t.Fatalf("organization: %v %+v", err, o)
	}
	res, err := p.reviews.GetResults(ctx, "R")
	if err != nil || res.State != "SIGNED_OFF" || len(res.Selected) != 2 || res.Selected[1] != "C" || len(res.IdeaPrizes) != 1 || res.IdeaPrizes[0].Tier != 2 {
		t.Fatalf("results: %v %+v", err, res)
	}
	d, err := p.donations.ConfirmedAt(ctx, "A", cutoff)
	if err != nil || d.CashFen != 1_000 || d.InKindFen != 500 || !s.asOf.Equal(cutoff) {
		t.Fatalf("donations at the cutoff: %v %+v (asked at %s)", err, d, s.asOf)
	}
	if err := p.donations.ReserveShare(ctx, "funding:plan:P:tranche:1:reserve", "A", 700, "why"); err != nil || s.reserve.GetAmountFen() != 700 || s.reserve.GetReason() != "why" {
		t.Fatalf("reserve: %v %+v", err, s.reserve)
	}
	if err := p.donations.ReleaseShare(ctx, "r", "p"); err != nil {
		t.Fatalf("release: %v", err)
	}
	if err := p.donations.ReturnShare(ctx, "funding:plan:P:return:x", "A", 300, "RET-1", "clawback"); err != nil || s.back.GetApplicationId() != "A" ||
		s.back.GetAmountFen() != 300 || s.back.GetPaymentReference() != "RET-1" || s.back.GetReason() != "clawback" {
		t.Fatalf("return: %v %+v", err, s.back)
	}
	for kind, want := range map[string]bool{domain.EvaluationMidterm: true, domain.EvaluationFinalAcceptance: false} {
		if passed, err := p.supervision.EvaluationPassed(ctx, "A", kind); err != nil || passed != want {
			t.Fatalf("%s passed: %t %v", kind, passed, err)
		}
	}
	if n, err := p.supervision.VerifiedSpendingFen(ctx, "A"); err != nil || n != 1_234 {
		t.Fatalf("verified spending: %d %v", n, err)
	}
}

// TestFailuresAreOurs: whatever a peer answers, the caller gets one of this service's errors: missing objects
// as NOT_FOUND, outages as retryable <PEER>_UNAVAILABLE, a peer's refusal of its own state with its reason
// (INSUFFICIENT_FUNDS), anything else as <PEER>_CALL_FAILED; results not computed yet are no results.
func TestFailuresAreOurs(t *testing.T) {
	ctx := context.Background()
	calls := func(p peers) map[string]error {
		_, round := p.apps.GetRound(ctx, "R")
		_, results := p.reviews.GetResults(ctx, "R")
		_, summary := p.donations.ConfirmedAt(ctx, "A", cutoff)
		_, gate := p.supervision.EvaluationPassed(ctx, "A", domain.EvaluationMidterm)
		_, spending := p.supervision.VerifiedSpendingFen(ctx, "A")
		return map[string]error{"applications": round, "reviews": results, "donations": summary, "supervision": gate, "supervision spending": spending,
			"donations reserve": p.donations.ReserveShare(ctx, "t", "A", 1, ""), "donations release": p.donations.ReleaseShare(ctx, "t", "p"),
			"donations return": p.donations.ReturnShare(ctx, "t", "A", 1, "RET", "")}
	}
	for _, tt := range []struct {
		name string
		peer error
		want func(peer string) (string, errs.Kind)
	}{
		{"unavailable", status.Error(codes.Unavailable, "down"), func(p string) (string, errs.Kind) { return upper(p) + "_UNAVAILABLE", errs.Unavailable }},
		{"refuses this service", status.Error(codes.PermissionDenied, "no"), func(p string) (string, errs.Kind) { return upper(p) + "_CALL_FAILED", errs.Internal }},
		{"insufficient funds", grpcerr.FromError(errs.New(errs.FailedPrecondition, "INSUFFICIENT_FUNDS", "short")).Err(),
			func(string) (string, errs.Kind) { return "INSUFFICIENT_FUNDS", errs.FailedPrecondition }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for peer, err := range calls(serve(t, &suite{err: tt.peer})) {
				reason, kind := tt.want(peer)
				if e, ok := errs.As(err); !ok || e.Reason != reason || e.Kind != kind {
					t.Errorf("%s: %v, want %s", peer, err, reason)
				}
			}
		})
	}
	p := serve(t, &suite{err: status.Error(codes.NotFound, "none")})
	if _, err := p.apps.GetApplication(ctx, "A"); !errs.ErrNotFound.Is(err) {
		t.Fatalf("unknown application: %v", err)
	}
	// The payment reference the donations service booked for another return is this service's conflict.
	p = serve(t, &suite{err: grpcerr.FromError(errs.New(errs.AlreadyExists, "PAYMENT_REFERENCE_CONFLICT", "booked")).Err()})
	if err := p.donations.ReturnShare(ctx, "t", "A", 1, "RET", ""); !domain.ErrPaymentReferenceUsed.Is(err) {
		t.Fatalf("payment reference booked for another return: %v", err)
	}
	p = serve(t, &suite{err: grpcerr.FromError(errs.New(errs.FailedPrecondition, "RESULTS_NOT_COMPUTED", "not yet")).Err()})
	if res, err := p.reviews.GetResults(ctx, "R"); err != nil || res.State != "" {
		t.Fatalf("results not computed: %v %+v", err, res)
	}
}

func upper(peer string) string {
	switch peer {
	case "applications":
		return "APPLICATIONS"
	case "reviews":
		return "REVIEWS"
	case "supervision", "supervision spending":
		return "SUPERVISION"
	}
	return "DONATIONS"
}
