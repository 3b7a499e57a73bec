package api

import (
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/pkg/pbconv"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// ts converts a time for output; the zero time is absent.
var ts = pbconv.Timestamp

func donorKindFromPB(k pb.DonorKind) domain.DonorKind {
	return domain.DonorKind(pbconv.EnumName(k, "DONOR_KIND_"))
}

func donorKindToPB(k domain.DonorKind) pb.DonorKind {
	return pb.DonorKind(pb.DonorKind_value["DONOR_KIND_"+string(k)])
}

func pledgeKindFromPB(k pb.PledgeKind) domain.PledgeKind {
	return domain.PledgeKind(pbconv.EnumName(k, "PLEDGE_KIND_"))
}

func donorToPB(d domain.Donor) *pb.Donor {
	return &pb.Donor{Id: d.ID, Name: d.Name, Kind: donorKindToPB(d.Kind), Uscc: d.USCC, IdNumber: d.IDNumber, ContactPhone: d.ContactPhone,
		CreateTime: ts(d.CreatedAt)}
}

func pledgeToPB(p domain.Pledge) *pb.Pledge {
	return &pb.Pledge{
		Id: p.ID, DonorId: p.DonorID, ApplicationId: p.ApplicationID, RoundId: p.RoundID, AmountFen: p.AmountFen,
		Kind: pb.PledgeKind(pb.PledgeKind_value["PLEDGE_KIND_"+string(p.Kind)]), AgreementRef: p.AgreementRef, Description: p.Description,
		State: pb.PledgeState(pb.PledgeState_value["PLEDGE_STATE_"+string(p.State)]), BankReference: p.BankReference,
		DepositedAmountFen: p.DepositedAmountFen, DepositTime: ts(p.DepositedAt), AppraisedValueFen: p.AppraisedValueFen,
		AppraisalNotes: p.AppraisalNotes, AppraiseTime: ts(p.AppraisedAt), ApproveTime: ts(p.ApprovedAt), Late: p.Late,
		ReceiptNumber: p.ReceiptNumber, RefundTime: ts(p.RefundedAt), RedirectTime: ts(p.RedirectedAt),
		RedirectApplicationId: p.RedirectApplicationID, CreateTime: ts(p.CreatedAt), ConfirmTime: ts(p.ConfirmedAt),
	}
}

func transferToPB(t ledger.Transfer) *pb.LedgerTransfer {
	return &pb.LedgerTransfer{
		TransferId: t.ID, Kind: pb.TransferKind(pb.TransferKind_value["TRANSFER_KIND_"+string(t.Kind)]), DebitAccount: t.Debit,
		CreditAccount: t.Credit, AmountFen: t.AmountFen, PendingTransferId: t.PendingID, Reason: t.Reason, RequestedBy: t.RequestedBy,
		RequestId: t.RequestID, CreateTime: ts(t.CreatedAt), ApplicationId: domain.ApplicationOf(t), Reference: t.Reference,
	}
}

func summaryToPB(applicationID string, s domain.Summary) *pb.DonationSummary {
	return &pb.DonationSummary{ApplicationId: applicationID, ConfirmedTotalFen: s.ConfirmedTotalFen, NamingRightDonorId: s.NamingRightDonorID,
		AsOf: ts(s.AsOf), ConfirmedCashFen: s.ConfirmedCashFen, ConfirmedInKindFen: s.ConfirmedInKindFen}
}

func verificationToPB(v ledger.Verification) *pb.VerifyLedgerResponse {
	return &pb.VerifyLedgerResponse{Balanced: v.Balanced, Accounts: int64(v.Accounts), Transfers: int64(v.Transfers), Mismatches: v.Mismatches,
		ChainsIntact: len(v.ChainBreaks) == 0, ChainBreaks: chainBreaksToPB(v.ChainBreaks)}
}
