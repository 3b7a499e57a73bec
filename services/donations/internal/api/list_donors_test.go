package api_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	"github.com/commonweal/commonweal/pkg/identity"
)

// Made-up resident ID numbers (region 990101 does not exist) with check digits computed once, independently of
// pkg/cnid, from GB 11643 (ISO 7064 MOD 11-2), and how every role but the owner and ORGANIZER sees them.
const (
	ridListed       = "990101198001010014"
	ridListedMasked = "990101********0014"
)

// TestListDonors pages through the donors as staff and the federation: every donor once, oldest first, personal
// numbers masked for all but ORGANIZER; a page token is the caller's own; a donor user may not list.
func TestListDonors(t *testing.T) {
	c, _ := serve(t)
	as := func(subject string, role identity.Role) context.Context {
		return identity.With(context.Background(), identity.Identity{Subject: subject, Roles: []identity.Role{role}})
	}
	operator := as("operator", identity.Operator)
	var want []string
	for i, name := range []string{"Zhang San", "Li Si", "Wang Wu", "Zhao Liu", "Sun Qi"} {
		d, err := c.CreateDonor(operator, &pb.CreateDonorRequest{Name: name, Kind: pb.DonorKind_DONOR_KIND_INDIVIDUAL, IdNumber: ridListed,
			ContactPhone: "13812345678", RequestId: "donor-" + name})
		if err != nil {
			t.Fatalf("donor %d: %v", i, err)
		}
		want = append(want, d.GetId())
	}

	list := func(ctx context.Context, size int32, token string) (*pb.ListDonorsResponse, error) {
		return c.ListDonors(ctx, &pb.ListDonorsRequest{PageSize: size, PageToken: token})
	}
	for _, who := range []struct {
		name         string
		ctx          context.Context
		idNum, phone string
	}{
		{"operator", operator, ridListedMasked, "138****5678"},
		{"federation", as("federation", identity.CharityFederation), ridListedMasked, "138****5678"},
		{"auditor", as("auditor", identity.Auditor), ridListedMasked, "138****5678"},
		{"organizer", as("organizer", identity.Organizer), ridListed, "13812345678"},
	} {
		var got []string
		token, pages := "", 0
		for {
			resp, err := list(who.ctx, 2, token)
			if err != nil {
				t.Fatalf("%s, page %d: %v", who.name, pages, err)
			}
			pages++
			for _, d := range resp.GetDonors() {
				if d.GetIdNumber() != who.idNum || d.GetContactPhone() != who.phone {
					t.Fatalf("%s sees %s %s, want %s %s", who.name, d.GetIdNumber(), d.GetContactPhone(), who.idNum, who.phone)
				}
				got = append(got, d.GetId())
			}
			if token = resp.GetNextPageToken(); token == "" {
				break
			}
		}
		if pages != 3 || len(got) != len(want) { // 2 + 2 + 1
			t.Fatalf("%s: %d pages, donors %v, want 3 pages of %v", who.name, pages, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: donors %v, want %v in creation order", who.name, got, want)
			}
		}
	}

	first, err := list(operator, 2, "")
	if err != nil || first.GetNextPageToken() == "" {
		t.Fatalf("first page: %v %v", err, first)
	}
	_, err = list(as("organizer", identity.Organizer), 2, first.GetNextPageToken())
	wantStatus(t, "another caller's page token", err, codes.InvalidArgument, "INVALID_PAGE_TOKEN")
	_, err = list(operator, 101, "")
	wantStatus(t, "page size above 100", err, codes.InvalidArgument, "INVALID_PAGE_SIZE")
	_, err = list(as("donor", identity.Donor), 2, "")
	wantStatus(t, "a donor user lists donors", err, codes.PermissionDenied, "PERMISSION_DENIED")
}
