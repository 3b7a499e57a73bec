package clients

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	donationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/peer"
	"github.com/commonweal/commonweal/services/funding/internal/app"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

// Donations is the client of the donations service: confirmed donations at the cutoff, the donation share of
// each tranche reserved and released in the charity federation's ledger, and a clawback's donation part
// returned there, under transfer IDs the funding service derives from the plan and the tranche or the payment
// reference (idempotent there).
type Donations struct {
	c donationsv1.DonationsServiceClient
}

var _ app.Donations = (*Donations)(nil)

// NewDonations returns the donations client over conn.
func NewDonations(conn grpc.ClientConnInterface) *Donations {
	return &Donations{c: donationsv1.NewDonationsServiceClient(conn)}
}

// ConfirmedAt reads an application's confirmed donations at an instant (the donation cutoff), split into
// cash and in kind.
func (d *Donations) ConfirmedAt(ctx context.Context, applicationID string, at time.Time) (app.DonationTotals, error) {
	s, err := d.c.GetDonationSummary(ctx, &donationsv1.GetDonationSummaryRequest{ApplicationId: applicationID, AsOf: timestamppb.New(at)})
	if err != nil {
		return app.DonationTotals{}, peer.Error(ctx, "donations", err, errs.ErrNotFound.With("application %s not found", applicationID))
	}
	return app.DonationTotals{CashFen: s.GetConfirmedCashFen(), InKindFen: s.GetConfirmedInKindFen()}, nil
}

// ReserveShare reserves a tranche's donation share: the pending transfer earmarked:<application> →
// payout_pending, under transferID.
func (d *Donations) ReserveShare(ctx context.Context, transferID, applicationID string, amountFen int64, reason string) error {
	_, err := d.c.ReserveDonationShare(ctx, &donationsv1.ReserveDonationShareRequest{TransferId: transferID, ApplicationId: applicationID,
		AmountFen: amountFen, Reason: reason})
	return peer.Error(ctx, "donations", err, nil)
}

// ReleaseShare posts the reservation pendingTransferID under transferID.
func (d *Donations) ReleaseShare(ctx context.Context, transferID, pendingTransferID string) error {
	_, err := d.c.ReleaseDonationShare(ctx, &donationsv1.ReleaseDonationShareRequest{TransferId: transferID, PendingTransferId: pendingTransferID})
	return peer.Error(ctx, "donations", err, nil)
}

// ReturnShare books a clawback's donation part, paid back under paymentReference, into the application's
// earmarked account (returned_from_projects → earmarked:<application>), under transferID. The payment
// reference booked there for another return is this service's PAYMENT_REFERENCE_CONFLICT.
func (d *Donations) ReturnShare(ctx context.Context, transferID, applicationID string, amountFen int64, paymentReference, reason string) error {
	_, err := d.c.ReturnDonationShare(ctx, &donationsv1.ReturnDonationShareRequest{TransferId: transferID, ApplicationId: applicationID,
		AmountFen: amountFen, PaymentReference: paymentReference, Reason: reason})
	if status.Code(err) == codes.AlreadyExists && grpcerr.Reason(err) == domain.ErrPaymentReferenceUsed.Reason {
		return domain.ErrPaymentReferenceUsed.With("the donations service booked payment reference %q for another return", paymentReference)
	}
	return peer.Error(ctx, "donations", err, nil)
}
