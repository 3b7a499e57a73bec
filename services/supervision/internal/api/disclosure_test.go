package api_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	donationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	fundingv1 "github.com/commonweal/commonweal/gen/go/commonweal/funding/v1"
	reviewsv1 "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	pb "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/pkg/authz/authztest"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/pkg/peer/peertest"
	"github.com/commonweal/commonweal/services/supervision/internal/api"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/clients"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
	"github.com/commonweal/commonweal/services/supervision/internal/store"
)

// The personal data the fake peers hold: a resident ID number, a phone number and a payee account number.
const (
	secretIDNumber = "990101198001010305"
	secretPhone    = "13800138000"
	secretAccount  = "6222020012345678901"
)

var personal = regexp.MustCompile(`\b\d{17}[\dX]\b|\b1\d{10}\b`)

// peers are fake reviews, funding and donations holding personal data in every field that may carry it.
type peers struct{ round, project, donor, pledge string }

type (
	fakeReviews struct {
		reviewsv1.UnimplementedReviewsServiceServer
		*peers
	}
	fakeFunding struct {
		fundingv1.UnimplementedFundingServiceServer
		*peers
	}
	fakeDonations struct {
		donationsv1.UnimplementedDonationsServiceServer
		*peers
	}
)

func (p fakeReviews) GetShortlist(context.Context, *reviewsv1.GetShortlistRequest) (*reviewsv1.Shortlist, error) {
	return &reviewsv1.Shortlist{RoundId: p.round, State: reviewsv1.ShortlistState_SHORTLIST_STATE_PUBLISHED, PublishTime: timestamppb.Now(),
		Entries: []*reviewsv1.ShortlistEntry{{ApplicationId: p.project, Rank: 1, Shortlisted: true}}}, nil
}

func (p fakeReviews) GetResults(context.Context, *reviewsv1.GetResultsRequest) (*reviewsv1.Results, error) {
	return &reviewsv1.Results{RoundId: p.round, State: reviewsv1.ResultsState_RESULTS_STATE_SIGNED_OFF, SignOffTime: timestamppb.Now(),
		Entries: []*reviewsv1.ResultEntry{{ApplicationId: p.project, Rank: 1, Selected: true}}}, nil
}

func (p *peers) plan() *fundingv1.Plan {
	return &fundingv1.Plan{Id: ids.New(), RoundId: p.round, ApplicationId: p.project, State: fundingv1.PlanState_PLAN_STATE_SUSPENDED,
		DonationFen: 100, MatchFen: 200, ClawbackFen: 50, ClawbackDonationFen: 10, ClawbackGovernmentFen: 40, Reason: "call " + secretPhone,
		Payee: &fundingv1.Payee{Bank: "Bank", AccountName: secretIDNumber, AccountNumber: secretAccount, Confirmed: true},
		Tranches: []*fundingv1.Tranche{{Number: 1, GovernmentFen: 100, DonationFen: 50, AmountFen: 150, State: fundingv1.TrancheState_TRANCHE_STATE_PAID,
			GovernmentPaid: true, DonationPaid: true, GovernmentPaymentReference: secretAccount, DonationPaymentReference: secretPhone, PaidTime: timestamppb.Now()}}}
}

func (p fakeFunding) ListPlans(context.Context, *fundingv1.ListPlansRequest) (*fundingv1.ListPlansResponse, error) {
	return &fundingv1.ListPlansResponse{Plans: []*fundingv1.Plan{p.plan()}}, nil
}

func (p fakeFunding) GetPlan(context.Context, *fundingv1.GetPlanRequest) (*fundingv1.Plan, error) {
	return p.plan(), nil
}

func (p fakeDonations) ListPledges(context.Context, *donationsv1.ListPledgesRequest) (*donationsv1.ListPledgesResponse, error) {
	return &donationsv1.ListPledgesResponse{Pledges: []*donationsv1.Pledge{{Id: p.pledge, DonorId: p.donor, ApplicationId: p.project, RoundId: p.round,
		AmountFen: 100, Kind: donationsv1.PledgeKind_PLEDGE_KIND_CASH, AgreementRef: secretIDNumber, Description: secretPhone,
		State: donationsv1.PledgeState_PLEDGE_STATE_DEPOSITED, BankReference: secretAccount, DepositedAmountFen: 100, ReceiptNumber: secretPhone,
		CreateTime: timestamppb.Now(), DepositTime: timestamppb.Now()}}}, nil
}

// serveFeeds serves DisclosureService over a fresh database, its sources the fake peers dialled over gRPC.
func serveFeeds(t *testing.T, p *peers) *authztest.Server {
	t.Helper()
	conn := peertest.Dial(t, "supervision", 0, func(s *grpc.Server) {
		reviewsv1.RegisterReviewsServiceServer(s, fakeReviews{peers: p})
		fundingv1.RegisterFundingServiceServer(s, fakeFunding{peers: p})
		donationsv1.RegisterDonationsServiceServer(s, fakeDonations{peers: p})
	})
	apps := oneProject{project: domain.Project{ID: p.project, RoundID: p.round}, round: domain.Round{ID: p.round}}
	feeds := app.NewDisclosures(store.New(schema.Pool(t, 0)), apps, clients.NewDisclosureSources(conn, conn, conn), time.Now)
	return authztest.Serve(t, api.DisclosurePolicy, func(s *grpc.Server) {
		pb.RegisterDisclosureServiceServer(s, api.NewDisclosureServer(feeds, pagetoken.NewSigner([]byte("supervision-test-page-key"))))
	})
}

func TestDisclosurePolicyCoversEveryRPC(t *testing.T) {
	authztest.Covers(t, api.DisclosurePolicy, pb.DisclosureService_ServiceDesc)
}

// TestDisclosureRoles calls both RPCs as every role and anonymously with a malformed ID: the public feed lets
// everyone reach the handler (INVALID_ARGUMENT); the donor feed only DONOR and staff.
func TestDisclosureRoles(t *testing.T) {
	srv := serveFeeds(t, &peers{round: ids.New(), project: ids.New()})
	donorFeed := append([]identity.Role{identity.Donor}, identity.StaffRoles...)
	for name, who := range authztest.Callers("user") {
		if code := srv.Call("ListPublicDisclosures", who, &pb.ListPublicDisclosuresRequest{RoundId: "x"}, &pb.ListPublicDisclosuresResponse{}); code != codes.InvalidArgument {
			t.Errorf("public feed as %s: %s", name, code)
		}
		want := codes.PermissionDenied
		if who != nil && who.Has(donorFeed...) {
			want = codes.InvalidArgument
		}
		if code := srv.Call("GetDonorDisclosures", who, &pb.GetDonorDisclosuresRequest{DonorId: "x"}, &pb.DonorDisclosures{}); code != want {
			t.Errorf("donor feed as %s: %s, want %s", name, code, want)
		}
	}
}

// TestFeedsCarryNoPersonalNumbers reads both feeds over gRPC from peers whose records hold a resident ID number,
// a phone and a payee account in every field that may carry one, and scans the whole output, JSON and proto.
func TestFeedsCarryNoPersonalNumbers(t *testing.T) {
	p := &peers{round: ids.New(), project: ids.New(), donor: ids.New(), pledge: ids.New()}
	srv := serveFeeds(t, p)
	public := &pb.ListPublicDisclosuresResponse{}
	if err := srv.Invoke("ListPublicDisclosures", nil, &pb.ListPublicDisclosuresRequest{RoundId: p.round, PageSize: 100}, public); err != nil {
		t.Fatal(err)
	}
	if len(public.GetItems()) != 4 { // shortlist, results, tranche 1, clawback
		t.Fatalf("public feed: %v", public)
	}
	donorFeed := &pb.DonorDisclosures{}
	donor := &identity.Identity{Subject: "d", Roles: []identity.Role{identity.Donor}, DonorID: p.donor}
	if err := srv.Invoke("GetDonorDisclosures", donor, &pb.GetDonorDisclosuresRequest{DonorId: p.donor}, donorFeed); err != nil {
		t.Fatal(err)
	}
	if l := donorFeed.GetPledges(); len(l) != 1 || l[0].GetMatchedFen() != 200 || l[0].GetDisbursedFen() != 50 || l[0].GetClawbackFen() != 10 {
		t.Fatalf("donor feed: %v", donorFeed)
	}
	for _, m := range []proto.Message{public, donorFeed} {
		js, err := protojson.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, out := range []string{string(js), string(raw)} {
			for _, secret := range []string{secretIDNumber, secretPhone, secretAccount} {
				if strings.Contains(out, secret) {
					t.Errorf("a feed carries %s: %s", secret, js)
				}
			}
			if found := personal.FindString(out); found != "" {
				t.Errorf("a feed carries a personal number pattern %s: %s", found, js)
			}
		}
	}
}
