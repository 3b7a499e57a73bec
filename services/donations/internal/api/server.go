// Package api is the donations service's gRPC surface: it converts between proto and the use cases' commands
// and domain values, builds each mutation's request key and turns errors into statuses, once. Who may call
// which RPC is its authorisation table, Policy.
package api

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// Server implements DonationsService.
type Server struct {
	pb.UnimplementedDonationsServiceServer
	app    *app.Service
	tokens *pagetoken.Signer
}

// NewServer returns the gRPC handlers over the use cases.
func NewServer(a *app.Service, tokens *pagetoken.Signer) *Server {
	return &Server{app: a, tokens: tokens}
}

func timeOf(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime()
}

func (s *Server) CreateDonor(ctx context.Context, req *pb.CreateDonorRequest) (*pb.Donor, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Donor, error) {
		return s.app.CreateDonor(ctx, app.CreateDonor{Key: key, Name: req.GetName(), Kind: donorKindFromPB(req.GetKind()), USCC: req.GetUscc(),
			IDNumber: req.GetIdNumber(), ContactPhone: req.GetContactPhone()})
	}, donorToPB)
}

func (s *Server) GetDonor(ctx context.Context, req *pb.GetDonorRequest) (*pb.Donor, error) {
	d, err := s.app.GetDonor(ctx, req.GetDonorId())
	return rpc.Answer(ctx, d, err, donorToPB)
}

func (s *Server) ListDonors(ctx context.Context, req *pb.ListDonorsRequest) (*pb.ListDonorsResponse, error) {
	// The token is the caller's: masking depends on who asks.
	filter := pagetoken.Fingerprint("donors", identity.From(ctx).Subject)
	page, next, err := rpc.List(ctx, s.tokens, req, filter, func(cur pagetoken.Cursor, limit int) ([]domain.Donor, error) {
		return s.app.ListDonors(ctx, app.DonorFilter{AfterTime: cur.AfterTime, AfterID: cur.After, Limit: limit})
	}, func(d domain.Donor) (string, time.Time) { return d.ID, d.CreatedAt }, donorToPB)
	if err != nil {
		return nil, err
	}
	return &pb.ListDonorsResponse{Donors: page, NextPageToken: next}, nil
}

func (s *Server) CreatePledge(ctx context.Context, req *pb.CreatePledgeRequest) (*pb.Pledge, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Pledge, error) {
		return s.app.CreatePledge(ctx, app.CreatePledge{Key: key, DonorID: req.GetDonorId(), ApplicationID: req.GetApplicationId(),
			AmountFen: req.GetAmountFen(), Kind: pledgeKindFromPB(req.GetKind()), AgreementRef: req.GetAgreementRef(), Description: req.GetDescription()})
	}, pledgeToPB)
}

func (s *Server) GetPledge(ctx context.Context, req *pb.GetPledgeRequest) (*pb.Pledge, error) {
	p, err := s.app.GetPledge(ctx, req.GetPledgeId())
	return rpc.Answer(ctx, p, err, pledgeToPB)
}

func (s *Server) ListPledges(ctx context.Context, req *pb.ListPledgesRequest) (*pb.ListPledgesResponse, error) {
	filter := pagetoken.Fingerprint("pledges", req.GetApplicationId(), req.GetDonorId(), identity.From(ctx).Subject)
	page, next, err := rpc.List(ctx, s.tokens, req, filter, func(cur pagetoken.Cursor, limit int) ([]domain.Pledge, error) {
		return s.app.ListPledges(ctx, app.PledgeFilter{ApplicationID: req.GetApplicationId(), DonorID: req.GetDonorId(),
			AfterTime: cur.AfterTime, AfterID: cur.After, Limit: limit})
	}, func(p domain.Pledge) (string, time.Time) { return p.ID, p.CreatedAt }, pledgeToPB)
	if err != nil {
		return nil, err
	}
	return &pb.ListPledgesResponse{Pledges: page, NextPageToken: next}, nil
}

func (s *Server) ConfirmDeposit(ctx context.Context, req *pb.ConfirmDepositRequest) (*pb.Pledge, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Pledge, error) {
		return s.app.ConfirmDeposit(ctx, app.ConfirmDeposit{Key: key, PledgeID: req.GetPledgeId(), BankReference: req.GetBankReference(),
			AmountFen: req.GetAmountFen(), DepositedAt: timeOf(req.GetDepositedAt())})
	}, pledgeToPB)
}

func (s *Server) AppraisePledge(ctx context.Context, req *pb.AppraisePledgeRequest) (*pb.Pledge, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Pledge, error) {
		return s.app.AppraisePledge(ctx, app.AppraisePledge{Key: key, PledgeID: req.GetPledgeId(), ValueFen: req.GetValueFen(), Notes: req.GetNotes()})
	}, pledgeToPB)
}

func (s *Server) ApproveAppraisal(ctx context.Context, req *pb.ApproveAppraisalRequest) (*pb.Pledge, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Pledge, error) {
		return s.app.ApproveAppraisal(ctx, app.ApproveAppraisal{Key: key, PledgeID: req.GetPledgeId()})
	}, pledgeToPB)
}

func (s *Server) RefundPledge(ctx context.Context, req *pb.RefundPledgeRequest) (*pb.Pledge, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Pledge, error) {
		return s.app.RefundPledge(ctx, app.RefundPledge{Key: key, PledgeID: req.GetPledgeId(), Reason: req.GetReason()})
	}, pledgeToPB)
}

func (s *Server) RedirectPledge(ctx context.Context, req *pb.RedirectPledgeRequest) (*pb.Pledge, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Pledge, error) {
		return s.app.RedirectPledge(ctx, app.RedirectPledge{Key: key, PledgeID: req.GetPledgeId(), TargetApplicationID: req.GetTargetApplicationId(),
			Reason: req.GetReason()})
	}, pledgeToPB)
}

func (s *Server) GetDonationSummary(ctx context.Context, req *pb.GetDonationSummaryRequest) (*pb.DonationSummary, error) {
	sum, err := s.app.DonationSummary(ctx, req.GetApplicationId(), timeOf(req.GetAsOf()))
	return rpc.Answer(ctx, sum, err, func(sum domain.Summary) *pb.DonationSummary { return summaryToPB(req.GetApplicationId(), sum) })
}

func (s *Server) VerifyLedger(ctx context.Context, _ *pb.VerifyLedgerRequest) (*pb.VerifyLedgerResponse, error) {
	v, err := s.app.VerifyLedger(ctx)
	return rpc.Answer(ctx, v, err, verificationToPB)
}

func (s *Server) ListApplicationDonors(ctx context.Context, req *pb.ListApplicationDonorsRequest) (*pb.ListApplicationDonorsResponse, error) {
	ids, err := s.app.ListApplicationDonors(ctx, req.GetApplicationId())
	return rpc.Answer(ctx, ids, err, func(ids []string) *pb.ListApplicationDonorsResponse {
		return &pb.ListApplicationDonorsResponse{DonorIds: ids}
	})
}

func (s *Server) BatchGetDonationTotals(ctx context.Context, req *pb.BatchGetDonationTotalsRequest) (*pb.BatchGetDonationTotalsResponse, error) {
	totals, asOf, err := s.app.DonationTotals(ctx, req.GetRoundId(), req.GetApplicationIds(), timeOf(req.GetAsOf()))
	return rpc.Answer(ctx, totals, err, func(totals []app.Totals) *pb.BatchGetDonationTotalsResponse {
		out := &pb.BatchGetDonationTotalsResponse{AsOf: ts(asOf), Totals: make([]*pb.DonationTotals, 0, len(totals))}
		for _, t := range totals {
			out.Totals = append(out.Totals, &pb.DonationTotals{ApplicationId: t.ApplicationID, ConfirmedTotalFen: t.ConfirmedTotalFen,
				ConfirmedCashFen: t.ConfirmedCashFen, ConfirmedInKindFen: t.ConfirmedInKindFen, PledgedFen: t.PledgedFen})
		}
		return out
	})
}

// Donation-share calls are idempotent on transfer_id by the ledger itself, so they need no request_id.

func (s *Server) ReserveDonationShare(ctx context.Context, req *pb.ReserveDonationShareRequest) (*pb.LedgerTransfer, error) {
	t, err := s.app.ReserveDonationShare(ctx, app.ReserveDonationShare{TransferID: req.GetTransferId(), ApplicationID: req.GetApplicationId(),
		AmountFen: req.GetAmountFen(), Reason: req.GetReason()})
	return rpc.Answer(ctx, t, err, transferToPB)
}

func (s *Server) ReleaseDonationShare(ctx context.Context, req *pb.ReleaseDonationShareRequest) (*pb.LedgerTransfer, error) {
	t, err := s.app.ResolveDonationShare(ctx, app.ResolveDonationShare{TransferID: req.GetTransferId(), PendingTransferID: req.GetPendingTransferId(), Release: true})
	return rpc.Answer(ctx, t, err, transferToPB)
}

func (s *Server) CancelDonationShare(ctx context.Context, req *pb.CancelDonationShareRequest) (*pb.LedgerTransfer, error) {
	t, err := s.app.ResolveDonationShare(ctx, app.ResolveDonationShare{TransferID: req.GetTransferId(), PendingTransferID: req.GetPendingTransferId()})
	return rpc.Answer(ctx, t, err, transferToPB)
}

func (s *Server) ReturnDonationShare(ctx context.Context, req *pb.ReturnDonationShareRequest) (*pb.LedgerTransfer, error) {
	t, err := s.app.ReturnDonationShare(ctx, app.ReturnDonationShare{TransferID: req.GetTransferId(), ApplicationID: req.GetApplicationId(),
		AmountFen: req.GetAmountFen(), PaymentReference: req.GetPaymentReference(), Reason: req.GetReason()})
	return rpc.Answer(ctx, t, err, transferToPB)
}
