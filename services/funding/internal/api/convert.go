package api

import (
	"strconv"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/funding/v1"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/pkg/money"
	"github.com/commonweal/commonweal/pkg/pbconv"
	"github.com/commonweal/commonweal/services/funding/internal/app"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

var ts = pbconv.Timestamp

func poolToPB(p domain.Pool) *pb.Pool {
	return &pb.Pool{RoundId: p.RoundID, AllocatedFen: p.AllocatedFen, CommittedFen: p.CommittedFen, PaidFen: p.PaidFen, ReturnedFen: p.ReturnedFen,
		AvailableFen: p.AvailableFen}
}

func quoteToPB(q money.Quote) *pb.FundingQuote {
	return &pb.FundingQuote{MatchFen: q.MatchFen, TopupFen: q.TopupFen, GovernmentFen: q.GovernmentFen, TotalFen: q.TotalFen, ShortfallFen: q.ShortfallFen}
}

func trancheToPB(planID string, t domain.Tranche) *pb.Tranche {
	return &pb.Tranche{PlanId: planID, Number: int32(t.Number), Percent: int32(t.Percent), Gate: t.Gate, GovernmentFen: t.GovernmentFen,
		DonationFen: t.DonationFen, AmountFen: t.AmountFen(), State: pb.TrancheState(pb.TrancheState_value["TRANCHE_STATE_"+string(t.State)]),
		GovernmentPaid: t.GovernmentPaid, DonationPaid: t.DonationPaid, GovernmentPaymentReference: t.GovernmentRef,
		DonationPaymentReference: t.DonationRef, RequestTime: ts(t.RequestedAt), ApproveTime: ts(t.ApprovedAt), PaidTime: ts(t.PaidAt)}
}

func trancheResultToPB(r app.TrancheResult) *pb.Tranche { return trancheToPB(r.PlanID, r.Tranche) }

func roles(as []domain.Approval) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, a.Role)
	}
	return out
}

// planToPB converts a plan as the use case let the caller see it (the payee's number in clear or masked).
func planToPB(p domain.Plan) *pb.Plan {
	out := &pb.Plan{Id: p.ID, RoundId: p.RoundID, ApplicationId: p.ApplicationID, OrgId: p.OrgID,
		State: pb.PlanState(pb.PlanState_value["PLAN_STATE_"+string(p.State)]), BudgetFen: p.BudgetFen, DonationFen: p.DonationFen,
		InKindFen: p.InKindFen, GovernmentFen: p.GovernmentFen, TotalFen: p.TotalFen(), MatchFen: p.MatchFen, TopupFen: p.TopupFen,
		ShortfallFen: p.ShortfallFen, DisbursedFen: p.DisbursedFen(), ClawbackFen: p.Clawback.OwedFen, ClawbackGovernmentFen: p.Clawback.GovernmentFen,
		ClawbackDonationFen: p.Clawback.DonationFen, ClawbackReturnedFen: p.Clawback.ReturnedFen(), Reason: p.Reason,
		TerminationApprovals: roles(p.TerminationApprovals), TerminationRequested: p.TerminationRequested, TransferToOrgId: p.TransferToOrgID,
		TransferApprovals: roles(p.TransferApprovals), CreateTime: ts(p.CreatedAt), Etag: strconv.FormatInt(p.Version, 10)}
	for _, t := range p.Tranches {
		out.Tranches = append(out.Tranches, trancheToPB(p.ID, t))
	}
	for _, s := range p.Signatures {
		out.Signatures = append(out.Signatures, pb.ContractParty(pb.ContractParty_value["CONTRACT_PARTY_"+string(s)]))
	}
	if p.Payee.Set() {
		out.Payee = &pb.Payee{Bank: p.Payee.Bank, AccountName: p.Payee.AccountName, AccountNumber: p.Payee.AccountNumber, Confirmed: p.Payee.Confirmed}
	}
	return out
}

func plansToPB(plans []domain.Plan) *pb.CreatePlansResponse {
	out := &pb.CreatePlansResponse{}
	for _, p := range plans {
		out.Plans = append(out.Plans, planToPB(p))
	}
	return out
}

func prizesToPB(prizes []domain.Prize) *pb.ListIdeaPrizesResponse {
	out := &pb.ListIdeaPrizesResponse{}
	for _, z := range prizes {
		out.Prizes = append(out.Prizes, &pb.IdeaPrize{RoundId: z.RoundID, ApplicationId: z.ApplicationID, Tier: int32(z.Tier), AmountFen: z.AmountFen,
			CertificateNumber: z.CertificateNumber, PayeeOrgId: z.PayeeOrgID, PaidTime: ts(z.PaidAt)})
	}
	return out
}

func verificationToPB(v ledger.Verification) *pb.VerifyLedgerResponse {
	return &pb.VerifyLedgerResponse{Balanced: v.Balanced, Accounts: int64(v.Accounts), Transfers: int64(v.Transfers), Mismatches: v.Mismatches,
		ChainsIntact: len(v.ChainBreaks) == 0, ChainBreaks: chainBreaksToPB(v.ChainBreaks)}
}

func shareOf(s pb.Share) domain.Share { return domain.Share(pbconv.EnumName(s, "SHARE_")) }

func partyOf(p pb.ContractParty) domain.Party {
	return domain.Party(pbconv.EnumName(p, "CONTRACT_PARTY_"))
}
