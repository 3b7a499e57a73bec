package api_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// someApplications stands in for the applications service: shortlisted applications in a round in PROMOTION.
type someApplications map[string]app.ApplicationInfo

func (m someApplications) GetApplication(_ context.Context, id string) (app.ApplicationInfo, error) {
	if a, ok := m[id]; ok {
		return a, nil
	}
	return app.ApplicationInfo{}, domain.ErrApplicationNotFound
}

func (m someApplications) GetRound(_ context.Context, id string) (app.RoundInfo, error) {
	return app.RoundInfo{ID: id, Phase: "PROMOTION", NamingRightShareBps: 5000}, nil
}

// auditFixture is two applications A and B of one round, an individual donor (resident ID number and phone)
// with a cash pledge to each, both deposited, and a donation share of A reserved and released by funding.
type auditFixture struct {
	c                 pb.DonationsServiceClient
	auditor           context.Context
	appA, appB        string
	pledgeA, pledgeB  string
	transfers, events []string // every transfer's and event's ID, in the order they were made
}

const auditPhone = "13912345678"

func newAuditFixture(t *testing.T) auditFixture {
	t.Helper()
	round := ids.New()
	apps := someApplications{}
	f := auditFixture{appA: ids.New(), appB: ids.New()}
	for _, id := range []string{f.appA, f.appB} {
		apps[id] = app.ApplicationInfo{ID: id, RoundID: round, Stage: "SHORTLISTED", BudgetTotalFen: 10_000}
	}
	f.c = pb.NewDonationsServiceClient(serveDonations(t, schema.Pool(t, 0), apps))
	as := func(id identity.Identity) context.Context { return identity.With(context.Background(), id) }
	f.auditor = as(identity.Identity{Subject: "auditor", Roles: []identity.Role{identity.Auditor}})
	federation := as(identity.Identity{Subject: "federation", Roles: []identity.Role{identity.CharityFederation}})
	donorCtx := as(identity.Identity{Subject: "donor", Roles: []identity.Role{identity.Donor}})
	funding := as(identity.ServiceIdentity("funding"))

	d, err := f.c.CreateDonor(donorCtx, &pb.CreateDonorRequest{Name: "Zhang San", Kind: pb.DonorKind_DONOR_KIND_INDIVIDUAL, IdNumber: ridListed, ContactPhone: auditPhone})
	if err != nil {
		t.Fatal(err)
	}
	for i, appID := range []string{f.appA, f.appB} {
		p, err := f.c.CreatePledge(donorCtx, &pb.CreatePledgeRequest{DonorId: d.Id, ApplicationId: appID, AmountFen: 1_000, Kind: pb.PledgeKind_PLEDGE_KIND_CASH,
			AgreementRef: "AG-" + appID[:4]})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			f.pledgeA = p.Id
		} else {
			f.pledgeB = p.Id
		}
		f.events = append(f.events, "PLEDGED:"+p.Id)
		if _, err := f.c.ConfirmDeposit(federation, &pb.ConfirmDepositRequest{PledgeId: p.Id, BankReference: "B" + string(rune('1'+i)), AmountFen: 1_000,
			DepositedAt: timestamppb.New(time.Now().Add(-time.Minute))}); err != nil {
			t.Fatal(err)
		}
		f.events = append(f.events, "DEPOSITED:"+p.Id)
		f.transfers = append(f.transfers, "pledge:"+p.Id+":confirm")
	}
	if _, err := f.c.ReserveDonationShare(funding, &pb.ReserveDonationShareRequest{TransferId: "r1", ApplicationId: f.appA, AmountFen: 600, Reason: "tranche 1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.ReleaseDonationShare(funding, &pb.ReleaseDonationShareRequest{TransferId: "p1", PendingTransferId: "r1"}); err != nil {
		t.Fatal(err)
	}
	f.transfers = append(f.transfers, "r1", "p1")
	return f
}

// TestListLedgerTransfers: oldest first, every page through its token, filtered by project (every transfer
// touching its accounts) and by time (from inclusive, to exclusive); a token is only good for its own query.
func TestListLedgerTransfers(t *testing.T) {
	f := newAuditFixture(t)
	list := func(req *pb.ListLedgerTransfersRequest) ([]*pb.LedgerTransfer, int) {
		t.Helper()
		var all []*pb.LedgerTransfer
		pages := 0
		for {
			resp, err := f.c.ListLedgerTransfers(f.auditor, req)
			if err != nil {
				t.Fatalf("page %d: %v", pages, err)
			}
			pages++
			all = append(all, resp.GetTransfers()...)
			if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
				return all, pages
			}
		}
	}
	idsOf := func(ts []*pb.LedgerTransfer) []string {
		out := []string{}
		for _, tr := range ts {
			out = append(out, tr.GetTransferId())
		}
		return out
	}

	all, pages := list(&pb.ListLedgerTransfersRequest{PageSize: 1})
	if got := idsOf(all); !slices.Equal(got, f.transfers) || pages != 4 {
		t.Fatalf("all transfers: %v in %d pages, want %v in 4", got, pages, f.transfers)
	}
	if r := all[0]; r.GetReference() != "pledge:"+f.pledgeA || r.GetCreditAccount() != "earmarked:"+f.appA || r.GetAmountFen() != 1_000 {
		t.Fatalf("the first deposit: %v", r)
	}
	a, pages := list(&pb.ListLedgerTransfersRequest{ApplicationId: f.appA, PageSize: 2})
	if want := []string{f.transfers[0], "r1", "p1"}; !slices.Equal(idsOf(a), want) || pages != 2 {
		t.Fatalf("A's transfers: %v in %d pages, want %v in 2", idsOf(a), pages, want)
	}
	if b, _ := list(&pb.ListLedgerTransfersRequest{ApplicationId: f.appB}); !slices.Equal(idsOf(b), []string{f.transfers[1]}) {
		t.Fatalf("B's transfers: %v", idsOf(b))
	}
	if none, _ := list(&pb.ListLedgerTransfersRequest{ApplicationId: ids.New()}); len(none) != 0 {
		t.Fatalf("another application's transfers: %v", idsOf(none))
	}
	// [second, fourth): the second and the third.
	ranged, _ := list(&pb.ListLedgerTransfersRequest{From: all[1].GetCreateTime(), To: all[3].GetCreateTime()})
	if want := f.transfers[1:3]; !slices.Equal(idsOf(ranged), want) {
		t.Fatalf("from the second to the fourth: %v, want %v", idsOf(ranged), want)
	}
	if after, _ := list(&pb.ListLedgerTransfersRequest{From: all[3].GetCreateTime()}); !slices.Equal(idsOf(after), f.transfers[3:]) {
		t.Fatalf("from the fourth: %v", idsOf(after))
	}

	first, err := f.c.ListLedgerTransfers(f.auditor, &pb.ListLedgerTransfersRequest{PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.c.ListLedgerTransfers(f.auditor, &pb.ListLedgerTransfersRequest{ApplicationId: f.appB, PageSize: 1, PageToken: first.GetNextPageToken()})
	wantStatus(t, "a token of another filter", err, codes.InvalidArgument, "INVALID_PAGE_TOKEN")
	_, err = f.c.ListLedgerTransfers(f.auditor, &pb.ListLedgerTransfersRequest{From: all[1].GetCreateTime(), To: all[1].GetCreateTime()})
	wantStatus(t, "an empty range", err, codes.InvalidArgument, "INVALID_TIME_RANGE")
	_, err = f.c.ListLedgerTransfers(f.auditor, &pb.ListLedgerTransfersRequest{ApplicationId: "nope"})
	wantStatus(t, "a malformed application", err, codes.InvalidArgument, "INVALID_ID")
}

// TestListPledgeEvents: oldest first, paged by token, filtered by application, pledge and time; no event
// carries the donor's resident ID number or phone, whole or masked.
func TestListPledgeEvents(t *testing.T) {
	f := newAuditFixture(t)
	list := func(req *pb.ListPledgeEventsRequest) []*pb.PledgeEvent {
		t.Helper()
		var all []*pb.PledgeEvent
		for {
			resp, err := f.c.ListPledgeEvents(f.auditor, req)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, resp.GetEvents()...)
			if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
				return all
			}
		}
	}
	keys := func(es []*pb.PledgeEvent) []string {
		out := []string{}
		for _, e := range es {
			out = append(out, e.GetAction()+":"+e.GetPledgeId())
		}
		return out
	}
	all := list(&pb.ListPledgeEventsRequest{PageSize: 1})
	if got := keys(all); !slices.Equal(got, f.events) {
		t.Fatalf("events: %v, want %v", got, f.events)
	}
	for _, e := range all {
		out, _ := protojson.Marshal(e)
		for _, secret := range []string{ridListed, ridListedMasked, auditPhone, "139****5678", "Zhang San"} {
			if strings.Contains(string(out), secret) {
				t.Fatalf("event %s carries %q", out, secret)
			}
		}
		if e.GetActor() == "" || e.GetEventTime() == nil || e.GetEventId() == "" {
			t.Fatalf("event %v", e)
		}
	}
	if e := all[1]; e.GetApplicationId() != f.appA || !strings.Contains(e.GetDetail(), "bank_reference=B1") {
		t.Fatalf("the first deposit's event: %v", e)
	}
	if got := keys(list(&pb.ListPledgeEventsRequest{ApplicationId: f.appB, PageSize: 1})); !slices.Equal(got, f.events[2:]) {
		t.Fatalf("B's events: %v", got)
	}
	if got := keys(list(&pb.ListPledgeEventsRequest{PledgeId: f.pledgeA})); !slices.Equal(got, f.events[:2]) {
		t.Fatalf("pledge A's events: %v", got)
	}
	if got := keys(list(&pb.ListPledgeEventsRequest{ApplicationId: f.appA, PledgeId: f.pledgeB})); len(got) != 0 {
		t.Fatalf("pledge B's events as A's: %v", got)
	}
	if got := keys(list(&pb.ListPledgeEventsRequest{From: all[1].GetEventTime(), To: all[3].GetEventTime(), PageSize: 1})); !slices.Equal(got, f.events[1:3]) {
		t.Fatalf("from the second to the fourth: %v", got)
	}
	_, err := f.c.ListPledgeEvents(f.auditor, &pb.ListPledgeEventsRequest{From: all[2].GetEventTime(), To: all[1].GetEventTime()})
	wantStatus(t, "a reversed range", err, codes.InvalidArgument, "INVALID_TIME_RANGE")
	_, err = f.c.ListPledgeEvents(f.auditor, &pb.ListPledgeEventsRequest{PledgeId: "nope"})
	wantStatus(t, "a malformed pledge", err, codes.InvalidArgument, "INVALID_ID")
}
