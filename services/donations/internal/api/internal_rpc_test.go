package api_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	"github.com/commonweal/commonweal/pkg/authz"
	"github.com/commonweal/commonweal/pkg/dbtest"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/grpcserver"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/identity/identitytest"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/services/donations/internal/api"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
	"github.com/commonweal/commonweal/services/donations/internal/store"
	"github.com/commonweal/commonweal/services/donations/internal/store/migrations"
)

// oneApplication stands in for the applications service: one shortlisted application in a round in
// PROMOTION. (The end-to-end tests and the benchmark use the real applications service.)
type oneApplication struct{ app app.ApplicationInfo }

func (o oneApplication) GetApplication(_ context.Context, id string) (app.ApplicationInfo, error) {
	if id != o.app.ID {
		return app.ApplicationInfo{}, domain.ErrApplicationNotFound
	}
	return o.app, nil
}

func (o oneApplication) GetRound(_ context.Context, id string) (app.RoundInfo, error) {
	if id != o.app.RoundID {
		return app.RoundInfo{}, errs.ErrNotFound
	}
	return app.RoundInfo{ID: id, Phase: "PROMOTION", NamingRightShareBps: 5000}, nil
}

// schema is the donations schema, migrated, of the databases these tests serve the API over.
var schema = dbtest.New("donations", "donations-test", migrations.FS)

// serve starts the donations gRPC server in-process, as main.go wires it (authorisation table included), over
// a fresh database, and returns a client and the application's ID. The client calls as the caller in each
// call's context (identity.With): a service with its certificate, a user through the gateway.
func serve(t *testing.T) (pb.DonationsServiceClient, string) {
	t.Helper()
	a := oneApplication{app.ApplicationInfo{ID: ids.New(), RoundID: ids.New(), Stage: "SHORTLISTED", BudgetTotalFen: 2_000}}
	return pb.NewDonationsServiceClient(serveDonations(t, schema.Pool(t, 0), a)), a.app.ID
}

// newServer is the donations API over pool, asking apps about applications.
func newServer(t *testing.T, pool *pgxpool.Pool, apps app.Applications) *api.Server {
	t.Helper()
	uc := app.New(store.New(pool, dbtest.Box(t)), idempotency.NewPG(pool), apps, time.Now)
	return api.NewServer(uc, pagetoken.NewSigner([]byte("test-page-token-key-32-bytes-long!!")))
}

// serveDonations serves the donations API over pool, asking apps about applications, with mutual TLS and the
// gateway's identities as main.go wires them, and returns a connection to it that calls as the caller in each
// call's context (identitytest.Suite.Conn).
func serveDonations(t *testing.T, pool *pgxpool.Pool, apps app.Applications) grpc.ClientConnInterface {
	t.Helper()
	suite := identitytest.New(t)
	srv := grpcserver.New(suite.Server("donations"), suite.Verifier("donations"), grpcserver.Option{Unary: authz.Unary(api.Policy)})
	pb.RegisterDonationsServiceServer(srv.GRPC, newServer(t, pool, apps))
	return suite.Conn(listen(t, srv), "donations")
}

// listen serves srv on a free port until the test ends and returns its address.
func listen(t *testing.T, srv *grpcserver.Server) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(sctx, lis, time.Second); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	return lis.Addr().String()
}

// usccRPCDonor is a made-up credit code (region 999999 does not exist) with its check character computed once,
// independently of pkg/cnid, from GB 32100-2015.
const usccRPCDonor = "91999999MA0000011P"

func wantStatus(t *testing.T, what string, err error, code codes.Code, reason string) {
	t.Helper()
	if status.Code(err) != code || grpcerr.Reason(err) != reason {
		t.Fatalf("%s: got %v (%s), want %v %s", what, status.Code(err), err, code, reason)
	}
}

// TestInternalRPCs exercises, over gRPC with the services' certificates, the calls other services make:
// the funding service's reserve → release / cancel of donation shares and their return by the project, and
// the reviews service's summary and donor list.
func TestInternalRPCs(t *testing.T) {
	c, appID := serve(t)
	as := func(id identity.Identity) context.Context { return identity.With(context.Background(), id) }
	funding, reviews := as(identity.ServiceIdentity("funding")), as(identity.ServiceIdentity("reviews"))
	federation := as(identity.Identity{Subject: "federation", Roles: []identity.Role{identity.CharityFederation}})
	donorCtx := as(identity.Identity{Subject: "donor", Roles: []identity.Role{identity.Donor}})

	d, err := c.CreateDonor(donorCtx, &pb.CreateDonorRequest{Name: "Co", Kind: pb.DonorKind_DONOR_KIND_ENTERPRISE, Uscc: usccRPCDonor})
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.CreatePledge(donorCtx, &pb.CreatePledgeRequest{DonorId: d.Id, ApplicationId: appID, AmountFen: 1_000, Kind: pb.PledgeKind_PLEDGE_KIND_CASH, AgreementRef: "AG"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ConfirmDeposit(federation, &pb.ConfirmDepositRequest{PledgeId: p.Id, BankReference: "B1", AmountFen: 1_000, DepositedAt: timestamppb.New(time.Now().Add(-time.Minute))}); err != nil {
		t.Fatal(err)
	}

	// Reviews: the summary (1,000 of a 2,000 budget is exactly 50%) and the donor list.
	sum, err := c.GetDonationSummary(reviews, &pb.GetDonationSummaryRequest{ApplicationId: appID})
	if err != nil || sum.GetConfirmedTotalFen() != 1_000 || sum.GetConfirmedCashFen() != 1_000 || sum.GetConfirmedInKindFen() != 0 ||
		sum.GetNamingRightDonorId() != d.Id || sum.GetAsOf() == nil {
		t.Fatalf("summary: %v %v", err, sum)
	}
	donors, err := c.ListApplicationDonors(reviews, &pb.ListApplicationDonorsRequest{ApplicationId: appID})
	if err != nil || len(donors.GetDonorIds()) != 1 || donors.GetDonorIds()[0] != d.Id {
		t.Fatalf("donors: %v %v", err, donors)
	}
	_, err = c.ListApplicationDonors(funding, &pb.ListApplicationDonorsRequest{ApplicationId: appID})
	wantStatus(t, "funding lists donors", err, codes.PermissionDenied, "PERMISSION_DENIED")
	_, err = c.ListApplicationDonors(context.Background(), &pb.ListApplicationDonorsRequest{ApplicationId: appID})
	if status.Code(err) != codes.PermissionDenied && status.Code(err) != codes.Unauthenticated {
		t.Fatalf("anonymous lists donors: %v", err)
	}

	// Funding: reserve → release / cancel, idempotent on transfer_id.
	_, err = c.ReserveDonationShare(reviews, &pb.ReserveDonationShareRequest{TransferId: "r1", ApplicationId: appID, AmountFen: 600})
	wantStatus(t, "reviews reserves", err, codes.PermissionDenied, "PERMISSION_DENIED")
	r1, err := c.ReserveDonationShare(funding, &pb.ReserveDonationShareRequest{TransferId: "r1", ApplicationId: appID, AmountFen: 600, Reason: "plan P tranche 1"})
	if err != nil || r1.GetKind() != pb.TransferKind_TRANSFER_KIND_PENDING || r1.GetDebitAccount() != "earmarked:"+appID || r1.GetCreditAccount() != "payout_pending" || r1.GetRequestedBy() != "service:funding" {
		t.Fatalf("reserve: %v %v", err, r1)
	}
	again, err := c.ReserveDonationShare(funding, &pb.ReserveDonationShareRequest{TransferId: "r1", ApplicationId: appID, AmountFen: 600, Reason: "plan P tranche 1"})
	if err != nil || !again.GetCreateTime().AsTime().Equal(r1.GetCreateTime().AsTime()) {
		t.Fatalf("retried reserve: %v %v", err, again)
	}
	_, err = c.ReserveDonationShare(funding, &pb.ReserveDonationShareRequest{TransferId: "r1", ApplicationId: appID, AmountFen: 700, Reason: "plan P tranche 1"})
	wantStatus(t, "same transfer ID, other amount", err, codes.InvalidArgument, "TRANSFER_ID_REUSED")
	_, err = c.ReserveDonationShare(funding, &pb.ReserveDonationShareRequest{TransferId: "r2", ApplicationId: appID, AmountFen: 401})
	wantStatus(t, "over-reservation", err, codes.FailedPrecondition, "INSUFFICIENT_FUNDS")
	r2, err := c.ReserveDonationShare(federation, &pb.ReserveDonationShareRequest{TransferId: "r2", ApplicationId: appID, AmountFen: 400})
	if err != nil {
		t.Fatal(err)
	}
	post, err := c.ReleaseDonationShare(funding, &pb.ReleaseDonationShareRequest{TransferId: "p1", PendingTransferId: r1.GetTransferId()})
	if err != nil || post.GetKind() != pb.TransferKind_TRANSFER_KIND_POST_PENDING || post.GetAmountFen() != 600 || post.GetPendingTransferId() != "r1" {
		t.Fatalf("release: %v %v", err, post)
	}
	if _, err := c.ReleaseDonationShare(funding, &pb.ReleaseDonationShareRequest{TransferId: "p1", PendingTransferId: "r1"}); err != nil {
		t.Fatalf("retried release: %v", err)
	}
	_, err = c.CancelDonationShare(funding, &pb.CancelDonationShareRequest{TransferId: "v1", PendingTransferId: "r1"})
	wantStatus(t, "cancel after release", err, codes.FailedPrecondition, "PENDING_TRANSFER_ALREADY_RESOLVED")
	_, err = c.CancelDonationShare(funding, &pb.CancelDonationShareRequest{TransferId: "p1", PendingTransferId: "r1"})
	wantStatus(t, "release ID reused to cancel", err, codes.InvalidArgument, "TRANSFER_ID_REUSED")
	if _, err := c.CancelDonationShare(funding, &pb.CancelDonationShareRequest{TransferId: "v2", PendingTransferId: r2.GetTransferId()}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ReleaseDonationShare(funding, &pb.ReleaseDonationShareRequest{TransferId: "p2", PendingTransferId: "r2"})
	wantStatus(t, "release after cancel", err, codes.FailedPrecondition, "PENDING_TRANSFER_ALREADY_RESOLVED")
	_, err = c.ReleaseDonationShare(funding, &pb.ReleaseDonationShareRequest{TransferId: "p3", PendingTransferId: "nope"})
	wantStatus(t, "unknown pending", err, codes.NotFound, "PENDING_TRANSFER_NOT_FOUND")

	// Funding: a share that came back from the project, into its earmark, idempotent on transfer_id.
	back := &pb.ReturnDonationShareRequest{TransferId: "ret-1", ApplicationId: appID, AmountFen: 400, PaymentReference: "RET-1", Reason: "clawback"}
	_, err = c.ReturnDonationShare(reviews, back)
	wantStatus(t, "reviews returns", err, codes.PermissionDenied, "PERMISSION_DENIED")
	_, err = c.ReturnDonationShare(funding, &pb.ReturnDonationShareRequest{TransferId: "ret-1", ApplicationId: appID, PaymentReference: "RET-1"})
	wantStatus(t, "return without an amount", err, codes.InvalidArgument, "INVALID_AMOUNT")
	_, err = c.ReturnDonationShare(funding, &pb.ReturnDonationShareRequest{TransferId: "ret-1", ApplicationId: appID, AmountFen: 601, PaymentReference: "RET-1"})
	wantStatus(t, "more than was paid out", err, codes.FailedPrecondition, "RETURN_EXCEEDS_PAID_OUT")
	ret, err := c.ReturnDonationShare(funding, back)
	if err != nil || ret.GetKind() != pb.TransferKind_TRANSFER_KIND_POSTED || ret.GetDebitAccount() != "returned_from_projects" ||
		ret.GetCreditAccount() != "earmarked:"+appID || ret.GetAmountFen() != 400 || ret.GetApplicationId() != appID {
		t.Fatalf("return: %v %v", err, ret)
	}
	if again, err := c.ReturnDonationShare(funding, back); err != nil || !again.GetCreateTime().AsTime().Equal(ret.GetCreateTime().AsTime()) {
		t.Fatalf("retried return: %v %v", err, again)
	}
	_, err = c.ReturnDonationShare(federation, &pb.ReturnDonationShareRequest{TransferId: "ret-2", ApplicationId: appID, AmountFen: 1, PaymentReference: "RET-1"})
	wantStatus(t, "payment reference reused", err, codes.AlreadyExists, "PAYMENT_REFERENCE_CONFLICT")
	if post.GetApplicationId() != appID || r2.GetApplicationId() != appID {
		t.Fatalf("the application of a share's transfers: %v %v", post, r2)
	}

	v, err := c.VerifyLedger(federation, &pb.VerifyLedgerRequest{})
	if err != nil || !v.GetBalanced() || v.GetTransfers() != 6 || v.GetAccounts() != 4 {
		t.Fatalf("verify: %v %v", err, v)
	}
}
