package api

import (
	"context"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/hashchain"
	"github.com/commonweal/commonweal/pkg/rpc"
)

func (s *Server) GetAuditChainHeads(ctx context.Context, _ *pb.GetAuditChainHeadsRequest) (*pb.ChainHeads, error) {
	heads, asOf, err := s.app.ChainHeads(ctx)
	return rpc.Answer(ctx, heads, err, func(heads []hashchain.Head) *pb.ChainHeads {
		out := &pb.ChainHeads{AsOf: ts(asOf)}
		for _, h := range heads {
			out.Heads = append(out.Heads, chainHeadToPB(h))
		}
		return out
	})
}

func (s *Server) CheckAuditChainHead(ctx context.Context, req *pb.CheckAuditChainHeadRequest) (*pb.CheckAuditChainHeadResponse, error) {
	c, err := s.app.CheckChainHead(ctx, hashchain.Head{Chain: req.GetChain(), Seq: req.GetSequence(), Hash: req.GetHash()})
	return rpc.Answer(ctx, c, err, func(c hashchain.Check) *pb.CheckAuditChainHeadResponse {
		return &pb.CheckAuditChainHeadResponse{Intact: c.Intact, Current: chainHeadToPB(c.Current), FirstBreak: chainBreakToPB(c.FirstBreak)}
	})
}

func chainHeadToPB(h hashchain.Head) *pb.ChainHead {
	return &pb.ChainHead{Chain: h.Chain, Sequence: h.Seq, Hash: h.Hash, EntryTime: ts(h.At)}
}

func chainBreakToPB(b *hashchain.Break) *pb.ChainBreak {
	if b == nil {
		return nil
	}
	return &pb.ChainBreak{Chain: b.Chain, Sequence: b.Seq, EntryId: b.EntryID, Reason: b.Reason}
}
