package api_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	pb "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/peer/peertest"
	"github.com/commonweal/commonweal/services/donations/internal/clients"
)

// slowApplications is a real applications gRPC server knowing one shortlisted application in a round in
// PROMOTION. Armed with a method name, it holds the next call of that method like a slow peer: until the
// test releases it, or two seconds at most.
type slowApplications struct {
	applicationsv1.UnimplementedApplicationsServiceServer
	app, round string

	mu      sync.Mutex
	armed   string
	entered chan struct{} // closed when the slow call arrived
	release chan struct{} // closed by the test to let it answer
}

func (s *slowApplications) arm(method string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armed, s.entered, s.release = method, make(chan struct{}), make(chan struct{})
}

func (s *slowApplications) maybeHold(method string) {
	s.mu.Lock()
	if s.armed != method {
		s.mu.Unlock()
		return
	}
	s.armed = ""
	entered, release := s.entered, s.release
	s.mu.Unlock()
	close(entered)
	select {
	case <-release:
	case <-time.After(2 * time.Second):
	}
}

func (s *slowApplications) GetApplication(_ context.Context, req *applicationsv1.GetApplicationRequest) (*applicationsv1.Application, error) {
	s.maybeHold("GetApplication")
	return &applicationsv1.Application{Id: s.app, RoundId: s.round, Stage: applicationsv1.Stage_STAGE_SHORTLISTED, BudgetTotalFen: 10_000}, nil
}

func (s *slowApplications) GetRound(_ context.Context, req *applicationsv1.GetRoundRequest) (*applicationsv1.Round, error) {
	s.maybeHold("GetRound")
	return &applicationsv1.Round{Id: s.round, Phase: applicationsv1.Phase_PHASE_PROMOTION, Policy: &applicationsv1.Policy{NamingRightShareBps: 5000}}, nil
}

// TestSlowPeerHoldsNoConnectionOrLock: a use case waiting for a slow applications service holds no database
// connection and no row lock. The donations service gets a pool of ONE connection; while one call waits in
// the peer, other calls that need the database, the same pledge and the same ledger accounts all complete,
// and only then is the slow call released. (Had the waiting call held the connection or a lock, the others
// could only finish after it.)
func TestSlowPeerHoldsNoConnectionOrLock(t *testing.T) {
	tests := []struct {
		name   string
		method string // the peer method that is slow
		slow   func(ctx context.Context, c pb.DonationsServiceClient, fx slowFixture) (*pb.Pledge, error)
	}{
		{"ConfirmDeposit waits for GetRound", "GetRound", func(ctx context.Context, c pb.DonationsServiceClient, fx slowFixture) (*pb.Pledge, error) {
			return c.ConfirmDeposit(ctx, &pb.ConfirmDepositRequest{PledgeId: fx.pledges[0], BankReference: "BANK-0", AmountFen: 100,
				DepositedAt: fx.depositedAt, RequestId: "slow-confirmation"})
		}},
		{"CreatePledge waits for GetApplication", "GetApplication", func(ctx context.Context, c pb.DonationsServiceClient, fx slowFixture) (*pb.Pledge, error) {
			return c.CreatePledge(ctx, &pb.CreatePledgeRequest{DonorId: fx.donorID, ApplicationId: fx.app, AmountFen: 100,
				Kind: pb.PledgeKind_PLEDGE_KIND_CASH, AgreementRef: "AG-SLOW", RequestId: "slow-pledge"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			peer := &slowApplications{app: ids.New(), round: ids.New()}
			peerConn := peertest.Dial(t, "donations", 0, func(s *grpc.Server) { applicationsv1.RegisterApplicationsServiceServer(s, peer) })
			c := pb.NewDonationsServiceClient(serveDonations(t, schema.Pool(t, 1), clients.NewApplications(peerConn)))
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // a hung test fails instead of hanging
			defer cancel()
			fx := newSlowFixture(t, ctx, c, peer.app)
			federation := identity.With(ctx, identity.Identity{Subject: "federation", Roles: []identity.Role{identity.CharityFederation}})

			peer.arm(tt.method)
			done := make(chan string, 2)
			var slowAnswer *pb.Pledge
			var slowErr error
			go func() {
				slowAnswer, slowErr = tt.slow(fx.as(tt.method), c, fx)
				done <- "slow call"
			}()
			select {
			case <-peer.entered:
			case <-ctx.Done():
				t.Fatal("the slow call never reached the peer")
			}
			// While it waits in the peer: confirm the same pledge (same bank reference and amount, another
			// request), another pledge (the same bank and earmarked accounts), read, list and verify.
			var others []*pb.Pledge
			var othersErr error
			go func() {
				defer func() { done <- "other calls" }()
				for i, p := range fx.pledges {
					got, err := c.ConfirmDeposit(federation, &pb.ConfirmDepositRequest{PledgeId: p, BankReference: "BANK-" + string(rune('0'+i)), AmountFen: 100,
						DepositedAt: fx.depositedAt})
					if err != nil {
						othersErr = err
						return
					}
					others = append(others, got)
				}
				if _, othersErr = c.GetPledge(federation, &pb.GetPledgeRequest{PledgeId: fx.pledges[0]}); othersErr != nil {
					return
				}
				if _, othersErr = c.ListPledges(federation, &pb.ListPledgesRequest{}); othersErr != nil {
					return
				}
				_, othersErr = c.VerifyLedger(federation, &pb.VerifyLedgerRequest{})
			}()
			if first := <-done; first != "other calls" {
				t.Fatalf("the %s finished first: the call waiting for the slow peer held the database connection or a lock", first)
			}
			close(peer.release)
			<-done
			if othersErr != nil {
				t.Fatalf("calls made while the peer was slow: %v", othersErr)
			}
			if slowErr != nil {
				t.Fatalf("the slow call: %v", slowErr)
			}
			if tt.method == "GetRound" && (slowAnswer.GetReceiptNumber() == "" || slowAnswer.GetReceiptNumber() != others[0].GetReceiptNumber()) {
				t.Fatalf("the slow confirmation answered receipt %q, the one made meanwhile %q", slowAnswer.GetReceiptNumber(), others[0].GetReceiptNumber())
			}
			v, err := c.VerifyLedger(federation, &pb.VerifyLedgerRequest{})
			if err != nil || !v.GetBalanced() || v.GetTransfers() != int64(len(fx.pledges)) {
				t.Fatalf("ledger: %v %v", err, v)
			}
		})
	}
}

// slowFixture is a donor with two unconfirmed cash pledges of 100 fen.
type slowFixture struct {
	as          func(method string) context.Context // the context of the slow call
	app         string
	donorID     string
	pledges     []string
	depositedAt *timestamppb.Timestamp
}

func newSlowFixture(t *testing.T, ctx context.Context, c pb.DonationsServiceClient, appID string) slowFixture {
	t.Helper()
	donor := identity.With(ctx, identity.Identity{Subject: "donor", Roles: []identity.Role{identity.Donor}})
	federation := identity.With(ctx, identity.Identity{Subject: "federation", Roles: []identity.Role{identity.CharityFederation}})
	d, err := c.CreateDonor(donor, &pb.CreateDonorRequest{Name: "Co", Kind: pb.DonorKind_DONOR_KIND_ENTERPRISE, Uscc: usccRPCDonor})
	if err != nil {
		t.Fatal(err)
	}
	fx := slowFixture{app: appID, donorID: d.GetId(), depositedAt: timestamppb.New(time.Now().Add(-time.Minute)),
		as: func(method string) context.Context {
			if method == "GetRound" {
				return federation
			}
			return donor
		}}
	for range 2 {
		p, err := c.CreatePledge(donor, &pb.CreatePledgeRequest{DonorId: d.GetId(), ApplicationId: appID, AmountFen: 100, Kind: pb.PledgeKind_PLEDGE_KIND_CASH, AgreementRef: "AG"})
		if err != nil {
			t.Fatal(err)
		}
		fx.pledges = append(fx.pledges, p.GetId())
	}
	return fx
}
