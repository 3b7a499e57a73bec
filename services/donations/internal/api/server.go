// Package api is the donations service's gRPC surface: it converts between proto and domain values, makes
// mutations idempotent and turns domain errors into statuses.
package api

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
	"github.com/commonweal/commonweal/services/donations/internal/store"
)

// Server implements DonationsService.
type Server struct {
	pb.UnimplementedDonationsServiceServer
	app    *app.Service
	pool   *pgxpool.Pool
	tokens *pagetoken.Signer
}

// NewServer returns the gRPC handlers over the use cases.
func NewServer(a *app.Service, pool *pgxpool.Pool, tokens *pagetoken.Signer) *Server {
	return &Server{app: a, pool: pool, tokens: tokens}
}

// toStatus is the one place domain errors become gRPC statuses.
func toStatus(ctx context.Context, err error) error { return grpcerr.Status(ctx, err) }

func (s *Server) CreateDonor(ctx context.Context, req *pb.CreateDonorRequest) (*pb.Donor, error) {
	return idempotency.Handle(ctx, s.pool, req.GetRequestId(), req, func(ctx context.Context) (*pb.Donor, error) {
		d, err := s.app.CreateDonor(ctx, req.GetName(), donorKindFromPB(req.GetKind()), req.GetUscc(), req.GetIdNumber(), req.GetContactPhone())
		return donorToPB(d), err
	})
}

func (s *Server) GetDonor(ctx context.Context, req *pb.GetDonorRequest) (*pb.Donor, error) {
	d, err := s.app.GetDonor(ctx, req.GetDonorId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return donorToPB(d), nil
}

func (s *Server) CreatePledge(ctx context.Context, req *pb.CreatePledgeRequest) (*pb.Pledge, error) {
	return idempotency.Handle(ctx, s.pool, req.GetRequestId(), req, func(ctx context.Context) (*pb.Pledge, error) {
		p, err := s.app.CreatePledge(ctx, domain.Pledge{DonorID: req.GetDonorId(), ApplicationID: req.GetApplicationId(), AmountFen: req.GetAmountFen(),
			Kind: pledgeKindFromPB(req.GetKind()), AgreementRef: req.GetAgreementRef(), Description: req.GetDescription()}, req.GetRequestId())
		return pledgeToPB(p), err
	})
}

func (s *Server) GetPledge(ctx context.Context, req *pb.GetPledgeRequest) (*pb.Pledge, error) {
	p, err := s.app.GetPledge(ctx, req.GetPledgeId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return pledgeToPB(p), nil
}

func (s *Server) ListPledges(ctx context.Context, req *pb.ListPledgesRequest) (*pb.ListPledgesResponse, error) {
	filter := pagetoken.Fingerprint("pledges", req.GetApplicationId(), req.GetDonorId(), identity.From(ctx).Subject)
	size, cur, err := s.tokens.Page(req.GetPageSize(), req.GetPageToken(), filter)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	pledges, err := s.app.ListPledges(ctx, store.ListFilter{ApplicationID: req.GetApplicationId(), DonorID: req.GetDonorId(),
		AfterTime: cur.AfterTime, AfterID: cur.After, Limit: size + 1})
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	resp := &pb.ListPledgesResponse{}
	if len(pledges) > size {
		pledges = pledges[:size]
		last := pledges[size-1]
		resp.NextPageToken = s.tokens.Encode(pagetoken.Cursor{After: last.ID, AfterTime: last.CreatedAt, Filter: filter})
	}
	for _, p := range pledges {
		resp.Pledges = append(resp.Pledges, pledgeToPB(p))
	}
	return resp, nil
}

func timeOf(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime()
}

func (s *Server) ConfirmDeposit(ctx context.Context, req *pb.ConfirmDepositRequest) (*pb.Pledge, error) {
	return idempotency.Handle(ctx, s.pool, req.GetRequestId(), req, func(ctx context.Context) (*pb.Pledge, error) {
		p, err := s.app.ConfirmDeposit(ctx, req.GetPledgeId(), req.GetBankReference(), req.GetAmountFen(), timeOf(req.GetDepositedAt()), req.GetRequestId())
		return pledgeToPB(p), err
	})
}

func (s *Server) AppraisePledge(ctx context.Context, req *pb.AppraisePledgeRequest) (*pb.Pledge, error) {
	return idempotency.Handle(ctx, s.pool, req.GetRequestId(), req, func(ctx context.Context) (*pb.Pledge, error) {
		p, err := s.app.AppraisePledge(ctx, req.GetPledgeId(), req.GetValueFen(), req.GetNotes(), req.GetRequestId())
		return pledgeToPB(p), err
	})
}

func (s *Server) ApproveAppraisal(ctx context.Context, req *pb.ApproveAppraisalRequest) (*pb.Pledge, error) {
	return idempotency.Handle(ctx, s.pool, req.GetRequestId(), req, func(ctx context.Context) (*pb.Pledge, error) {
		p, err := s.app.ApproveAppraisal(ctx, req.GetPledgeId(), req.GetRequestId())
		return pledgeToPB(p), err
	})
}

func (s *Server) RefundPledge(ctx context.Context, req *pb.RefundPledgeRequest) (*pb.Pledge, error) {
	return idempotency.Handle(ctx, s.pool, req.GetRequestId(), req, func(ctx context.Context) (*pb.Pledge, error) {
		p, err := s.app.RefundPledge(ctx, req.GetPledgeId(), req.GetReason(), req.GetRequestId())
		return pledgeToPB(p), err
	})
}

func (s *Server) RedirectPledge(ctx context.Context, req *pb.RedirectPledgeRequest) (*pb.Pledge, error) {
	return idempotency.Handle(ctx, s.pool, req.GetRequestId(), req, func(ctx context.Context) (*pb.Pledge, error) {
		p, err := s.app.RedirectPledge(ctx, req.GetPledgeId(), req.GetTargetApplicationId(), req.GetReason(), req.GetRequestId())
		return pledgeToPB(p), err
	})
}

func (s *Server) GetDonationSummary(ctx context.Context, req *pb.GetDonationSummaryRequest) (*pb.DonationSummary, error) {
	sum, asOf, err := s.app.DonationSummary(ctx, req.GetApplicationId(), timeOf(req.GetAsOf()))
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &pb.DonationSummary{ApplicationId: req.GetApplicationId(), ConfirmedTotalFen: sum.ConfirmedTotalFen,
		NamingRightDonorId: sum.NamingRightDonorID, AsOf: ts(asOf)}, nil
}

func (s *Server) VerifyLedger(ctx context.Context, _ *pb.VerifyLedgerRequest) (*pb.VerifyLedgerResponse, error) {
	v, err := s.app.VerifyLedger(ctx)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &pb.VerifyLedgerResponse{Balanced: v.Balanced, Accounts: int64(v.Accounts), Transfers: int64(v.Transfers), Mismatches: v.Mismatches}, nil
}

func (s *Server) ListApplicationDonors(ctx context.Context, req *pb.ListApplicationDonorsRequest) (*pb.ListApplicationDonorsResponse, error) {
	ids, err := s.app.ListApplicationDonors(ctx, req.GetApplicationId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &pb.ListApplicationDonorsResponse{DonorIds: ids}, nil
}

// Donation-share calls are idempotent on transfer_id by the ledger itself, so they need no request_id.

func (s *Server) ReserveDonationShare(ctx context.Context, req *pb.ReserveDonationShareRequest) (*pb.LedgerTransfer, error) {
	t, err := s.app.ReserveDonationShare(ctx, req.GetTransferId(), req.GetApplicationId(), req.GetAmountFen(), req.GetReason())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return transferToPB(t), nil
}

func (s *Server) ReleaseDonationShare(ctx context.Context, req *pb.ReleaseDonationShareRequest) (*pb.LedgerTransfer, error) {
	t, err := s.app.ResolveDonationShare(ctx, req.GetTransferId(), req.GetPendingTransferId(), true)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return transferToPB(t), nil
}

func (s *Server) CancelDonationShare(ctx context.Context, req *pb.CancelDonationShareRequest) (*pb.LedgerTransfer, error) {
	t, err := s.app.ResolveDonationShare(ctx, req.GetTransferId(), req.GetPendingTransferId(), false)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return transferToPB(t), nil
}
