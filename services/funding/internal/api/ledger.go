package api

import (
	"context"
	"time"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/funding/v1"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/funding/internal/app"
)

func (s *Server) ListLedgerTransfers(ctx context.Context, req *pb.ListLedgerTransfersRequest) (*pb.ListLedgerTransfersResponse, error) {
	r, err := rpc.Range(ctx, req.GetFrom(), req.GetTo())
	if err != nil {
		return nil, err
	}
	filter := pagetoken.Fingerprint("funding_ledger_transfers", req.GetApplicationId(), req.GetRoundId(), r.Key(), identity.From(ctx).Subject)
	page, next, err := rpc.List(ctx, s.tokens, req, filter, func(cur pagetoken.Cursor, limit int) ([]ledger.Transfer, error) {
		return s.app.ListLedgerTransfers(ctx, app.TransferQuery{ApplicationID: req.GetApplicationId(), RoundID: req.GetRoundId(),
			From: r.From, To: r.To, AfterTime: cur.AfterTime, AfterID: cur.After, Limit: limit})
	}, func(t ledger.Transfer) (string, time.Time) { return t.ID, t.CreatedAt }, transferToPB)
	if err != nil {
		return nil, err
	}
	return &pb.ListLedgerTransfersResponse{Transfers: page, NextPageToken: next}, nil
}

func transferToPB(t ledger.Transfer) *pb.LedgerTransfer {
	return &pb.LedgerTransfer{TransferId: t.ID, Kind: pb.TransferKind(pb.TransferKind_value["TRANSFER_KIND_"+string(t.Kind)]), DebitAccount: t.Debit,
		CreditAccount: t.Credit, AmountFen: t.AmountFen, PendingTransferId: t.PendingID, Reason: t.Reason, Reference: t.Reference,
		RequestedBy: t.RequestedBy, RequestId: t.RequestID, CreateTime: ts(t.CreatedAt)}
}
