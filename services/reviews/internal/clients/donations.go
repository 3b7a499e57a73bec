package clients

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	donationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	"github.com/commonweal/commonweal/pkg/peer"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
)

// Donations is the client of the donations service.
type Donations struct {
	c donationsv1.DonationsServiceClient
}

var _ app.Donations = (*Donations)(nil)

// NewDonations returns the donations client over conn.
func NewDonations(conn grpc.ClientConnInterface) *Donations {
	return &Donations{c: donationsv1.NewDonationsServiceClient(conn)}
}

// ConfirmedAt is an application's confirmed donations at an instant (the donation cutoff), in fen.
func (d *Donations) ConfirmedAt(ctx context.Context, applicationID string, at time.Time) (int64, error) {
	s, err := d.c.GetDonationSummary(ctx, &donationsv1.GetDonationSummaryRequest{ApplicationId: applicationID, AsOf: timestamppb.New(at)})
	if err != nil {
		return 0, peer.Error(ctx, "donations", err, nil)
	}
	return s.GetConfirmedTotalFen(), nil
}

// Donors lists the donors with a pledge to an application.
func (d *Donations) Donors(ctx context.Context, applicationID string) ([]string, error) {
	resp, err := d.c.ListApplicationDonors(ctx, &donationsv1.ListApplicationDonorsRequest{ApplicationId: applicationID})
	if err != nil {
		return nil, peer.Error(ctx, "donations", err, nil)
	}
	return resp.GetDonorIds(), nil
}
