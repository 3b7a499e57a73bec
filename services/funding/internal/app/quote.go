package app

import (
	"context"

	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/money"
)

// QuoteFunding asks what a project gets under a round's terms.
type QuoteFunding struct {
	RoundID      string
	BudgetFen    int64
	DonationsFen int64
}

// QuoteFunding applies the round's matching terms (asked of the applications service) to a budget and
// confirmed donations: pkg/money's quote, the one every service uses.
func (s *Service) QuoteFunding(ctx context.Context, cmd QuoteFunding) (money.Quote, error) {
	if err := ids.Parse("round_id", cmd.RoundID); err != nil {
		return money.Quote{}, err
	}
	// Refuse bad amounts before asking anyone.
	if _, err := (money.Terms{RatioDonation: 1}).Quote(cmd.BudgetFen, cmd.DonationsFen); err != nil {
		return money.Quote{}, err
	}
	r, err := s.apps.GetRound(ctx, cmd.RoundID)
	if err != nil {
		return money.Quote{}, err
	}
	return r.Terms.Quote(cmd.BudgetFen, cmd.DonationsFen)
}
