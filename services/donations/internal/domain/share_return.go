package domain

import (
	"fmt"
	"strings"
	"time"

	"github.com/commonweal/commonweal/pkg/ledger"
)

// ShareReturn is money a project paid back to the charity federation (the donation part of a clawback),
// booked back into the application's earmarked account by one posted transfer from returned_from_projects. It
// is the record (which payment, who, when, why) the ledger's transfer is reconciled with.
type ShareReturn struct {
	TransferID       string
	PaymentReference string
	ApplicationID    string
	AmountFen        int64
	Reason           string
	ReturnedBy       string
	ReturnedAt       time.Time
}

// NewShareReturn checks a return's transfer ID (a client's), amount and payment reference (trimmed, 1 to
// MaxReferenceLen bytes); the caller checks the application ID.
func NewShareReturn(transferID, applicationID string, amountFen int64, paymentReference, reason string) (ShareReturn, error) {
	if err := ValidClientTransferID("transfer_id", transferID); err != nil {
		return ShareReturn{}, err
	}
	if err := CheckAmount("amount_fen", amountFen); err != nil {
		return ShareReturn{}, err
	}
	ref := strings.TrimSpace(paymentReference)
	if ref == "" || len(ref) > MaxReferenceLen {
		return ShareReturn{}, errInvalid("INVALID_PAYMENT_REFERENCE", "payment_reference",
			fmt.Sprintf("the payment reference is required, at most %d bytes", MaxReferenceLen))
	}
	return ShareReturn{TransferID: transferID, PaymentReference: ref, ApplicationID: applicationID, AmountFen: amountFen,
		Reason: strings.TrimSpace(reason)}, nil
}

// Same reports whether o asks for the return r is (a retry).
func (r ShareReturn) Same(o ShareReturn) bool {
	return r.TransferID == o.TransferID && r.PaymentReference == o.PaymentReference && r.ApplicationID == o.ApplicationID &&
		r.AmountFen == o.AmountFen && r.Reason == o.Reason
}

// Transfer is the ledger transfer that books r: returned_from_projects → earmarked:<application>, posted.
func (r ShareReturn) Transfer() ledger.Transfer {
	why := "returned from the project, payment reference " + r.PaymentReference
	if r.Reason != "" {
		why += ": " + r.Reason
	}
	return ledger.Transfer{ID: r.TransferID, Kind: ledger.Posted, Debit: AccountReturnedFromProjects, Credit: EarmarkedAccount(r.ApplicationID),
		AmountFen: r.AmountFen, Reason: why, Reference: ApplicationReference(r.ApplicationID), RequestedBy: r.ReturnedBy, RequestID: r.TransferID,
		CreatedAt: r.ReturnedAt}
}

// CheckWithinPaidOut refuses a return that would bring back from an application more than was paid out to it:
// paidOutFen is the donation shares released to it, returnedFen what came back from it, this return included.
func CheckWithinPaidOut(applicationID string, paidOutFen, returnedFen int64) error {
	if returnedFen > paidOutFen {
		return ErrReturnExceedsPaidOut.With("%d fen was paid out to application %s; %d fen would have come back", paidOutFen, applicationID, returnedFen)
	}
	return nil
}
