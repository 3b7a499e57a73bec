package api

import (
	"context"
	"time"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/donations/internal/app"
)

func (s *Server) ListLedgerTransfers(ctx context.Context, req *pb.ListLedgerTransfersRequest) (*pb.ListLedgerTransfersResponse, error) {
	r, err := rpc.Range(ctx, req.GetFrom(), req.GetTo())
	if err != nil {
		return nil, err
	}
	filter := pagetoken.Fingerprint("ledger_transfers", req.GetApplicationId(), r.Key(), identity.From(ctx).Subject)
	page, next, err := rpc.List(ctx, s.tokens, req, filter, func(cur pagetoken.Cursor, limit int) ([]ledger.Transfer, error) {
		return s.app.ListLedgerTransfers(ctx, app.TransferQuery{ApplicationID: req.GetApplicationId(), From: r.From, To: r.To,
			AfterTime: cur.AfterTime, AfterID: cur.After, Limit: limit})
	}, func(t ledger.Transfer) (string, time.Time) { return t.ID, t.CreatedAt }, transferToPB)
	if err != nil {
		return nil, err
	}
	return &pb.ListLedgerTransfersResponse{Transfers: page, NextPageToken: next}, nil
}

func (s *Server) ListPledgeEvents(ctx context.Context, req *pb.ListPledgeEventsRequest) (*pb.ListPledgeEventsResponse, error) {
	r, err := rpc.Range(ctx, req.GetFrom(), req.GetTo())
	if err != nil {
		return nil, err
	}
	filter := pagetoken.Fingerprint("pledge_events", req.GetApplicationId(), req.GetPledgeId(), r.Key(), identity.From(ctx).Subject)
	page, next, err := rpc.List(ctx, s.tokens, req, filter, func(cur pagetoken.Cursor, limit int) ([]app.PledgeEventEntry, error) {
		return s.app.ListPledgeEvents(ctx, app.PledgeEventFilter{ApplicationID: req.GetApplicationId(), PledgeID: req.GetPledgeId(),
			From: r.From, To: r.To, AfterTime: cur.AfterTime, AfterID: cur.After, Limit: limit})
	}, func(e app.PledgeEventEntry) (string, time.Time) { return e.ID, e.At }, pledgeEventToPB)
	if err != nil {
		return nil, err
	}
	return &pb.ListPledgeEventsResponse{Events: page, NextPageToken: next}, nil
}

func pledgeEventToPB(e app.PledgeEventEntry) *pb.PledgeEvent {
	return &pb.PledgeEvent{EventId: e.ID, PledgeId: e.PledgeID, ApplicationId: e.ApplicationID, Action: e.Action, EventTime: ts(e.At),
		Actor: e.By, RequestId: e.RequestID, Detail: e.Detail}
}
