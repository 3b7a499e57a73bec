package api

import (
	"context"
	"time"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/pkg/pbconv"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// DisclosureServer implements DisclosureService.
type DisclosureServer struct {
	pb.UnimplementedDisclosureServiceServer
	app    *app.Disclosures
	tokens *pagetoken.Signer
}

// NewDisclosureServer returns the feeds' gRPC handlers.
func NewDisclosureServer(a *app.Disclosures, tokens *pagetoken.Signer) *DisclosureServer {
	return &DisclosureServer{app: a, tokens: tokens}
}

func (s *DisclosureServer) ListPublicDisclosures(ctx context.Context, req *pb.ListPublicDisclosuresRequest) (*pb.ListPublicDisclosuresResponse, error) {
	filter := pagetoken.Fingerprint("publicDisclosures", req.GetRoundId(), req.GetProjectId())
	page, next, err := rpc.List(ctx, s.tokens, req, filter, func(cur pagetoken.Cursor, limit int) ([]domain.Disclosure, error) {
		return s.app.PublicDisclosures(ctx, app.PublicFeed{AfterItemID: req.GetAfterItemId(), DisclosurePage: app.DisclosurePage{
			RoundID: req.GetRoundId(), ProjectID: req.GetProjectId(), AfterTime: cur.AfterTime, AfterID: cur.After, Limit: limit}})
	}, func(d domain.Disclosure) (string, time.Time) { return d.ID, d.PublishedAt }, disclosureToPB)
	if err != nil {
		return nil, err
	}
	return &pb.ListPublicDisclosuresResponse{Items: page, NextPageToken: next}, nil
}

func (s *DisclosureServer) GetDonorDisclosures(ctx context.Context, req *pb.GetDonorDisclosuresRequest) (*pb.DonorDisclosures, error) {
	lines, err := s.app.DonorDisclosures(ctx, req.GetDonorId())
	return rpc.Answer(ctx, lines, err, func(lines []domain.PledgeDisclosure) *pb.DonorDisclosures {
		out := &pb.DonorDisclosures{DonorId: req.GetDonorId()}
		for _, l := range lines {
			out.Pledges = append(out.Pledges, pledgeDisclosureToPB(l))
		}
		return out
	})
}

// prefixed writes a domain state by its proto enum name (COMPLETED → PLAN_STATE_COMPLETED); "" stays "".
func prefixed(prefix, name string) string {
	if name == "" {
		return ""
	}
	return prefix + name
}

func disclosureToPB(d domain.Disclosure) *pb.DisclosureItem {
	out := &pb.DisclosureItem{ItemId: d.ID, Kind: pb.DisclosureKind(pb.DisclosureKind_value["DISCLOSURE_KIND_"+string(d.Kind)]), RoundId: d.RoundID,
		ProjectId: d.ProjectID, OccurTime: pbconv.Timestamp(d.OccurredAt), PublishTime: pbconv.Timestamp(d.PublishedAt)}
	x := d.Detail
	switch d.Kind {
	case domain.KindShortlistPublished:
		out.Detail = &pb.DisclosureItem_Shortlist{Shortlist: &pb.ShortlistPublished{Rank: int32(x.Rank), PanelScore: int32(x.PanelScore)}}
	case domain.KindResultsSignedOff:
		out.Detail = &pb.DisclosureItem_Results{Results: &pb.ResultsSignedOff{Rank: int32(x.Rank), Selected: x.Selected, TotalScore: int32(x.TotalScore),
			IdeaPrizeTier: int32(x.IdeaPrizeTier)}}
	case domain.KindQuarterlyProgress:
		f := domain.Figures{}
		if x.Figures != nil {
			f = *x.Figures
		}
		out.Detail = &pb.DisclosureItem_Progress{Progress: &pb.QuarterlyProgress{QuarterlyReportId: x.QuarterlyReportID, Year: int32(x.Year),
			Quarter: int32(x.Quarter), Title: x.Title, PlanState: prefixed("PLAN_STATE_", x.PlanState), MonthlyReportsFiled: int32(f.MonthlyReportsFiled),
			MonthlyReportsOverdue: int32(f.MonthlyReportsOverdue), BeneficiariesServed: f.BeneficiariesServed, ReportedSpentFen: f.ReportedSpentFen,
			VerifiedSpendingFen: f.VerifiedSpendingFen, DepositedFen: f.DepositedFen, MatchedFen: f.MatchedFen, ToppedUpFen: f.ToppedUpFen,
			DisbursedFen: f.DisbursedFen, ClawedBackFen: f.ClawedBackFen}}
	case domain.KindTranchePaid:
		out.Detail = &pb.DisclosureItem_Tranche{Tranche: &pb.TranchePaid{Number: int32(x.TrancheNumber), GovernmentFen: x.GovernmentFen,
			DonationFen: x.DonationFen, AmountFen: x.AmountFen}}
	case domain.KindClawback:
		out.Detail = &pb.DisclosureItem_Clawback{Clawback: &pb.Clawback{ClawbackFen: x.AmountFen, GovernmentFen: x.GovernmentFen,
			DonationFen: x.DonationFen, PlanState: prefixed("PLAN_STATE_", x.PlanState)}}
	}
	return out
}

func pledgeDisclosureToPB(l domain.PledgeDisclosure) *pb.PledgeDisclosure {
	out := &pb.PledgeDisclosure{PledgeId: l.ID, ProjectId: l.ProjectID, RoundId: l.RoundID, Kind: prefixed("PLEDGE_KIND_", l.Kind),
		State: prefixed("PLEDGE_STATE_", l.State), CreateTime: pbconv.Timestamp(l.CreatedAt), PledgedFen: l.AmountFen, DepositedFen: l.DepositedFen,
		DepositTime: pbconv.Timestamp(l.DepositedAt), Late: l.Late, Counted: l.Counted, PlanState: prefixed("PLAN_STATE_", l.PlanState),
		MatchedFen: l.MatchedFen, DisbursedFen: l.DisbursedFen, ClawbackFen: l.ClawbackFen, Refunded: l.State == "REFUNDED",
		RefundTime: pbconv.Timestamp(l.RefundedAt), Redirected: l.State == "REDIRECTED", RedirectTime: pbconv.Timestamp(l.RedirectedAt),
		RedirectProjectId: l.RedirectProjectID}
	for _, t := range l.Tranches {
		out.Tranches = append(out.Tranches, &pb.PledgeTranche{Number: int32(t.Number), AmountFen: t.AmountFen, PaidTime: pbconv.Timestamp(t.PaidAt)})
	}
	return out
}
