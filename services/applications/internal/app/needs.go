package app

import (
	"context"
	"slices"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// NeedStore keeps the needs catalogue. Its methods join the transaction carried by ctx; a need is read with
// its round's phase and publication time.
type NeedStore interface {
	InsertNeed(ctx context.Context, n domain.Need) error
	GetNeed(ctx context.Context, id string) (domain.Need, error)
	// UpdateNeed locks the need, lets change apply the rules and saves it if change altered it.
	UpdateNeed(ctx context.Context, id string, change func(*domain.Need) error) (domain.Need, error)
	// ListNeeds returns up to f.Limit needs after the keyset position, oldest first.
	ListNeeds(ctx context.Context, f NeedFilter) ([]domain.Need, error)
	// NeedsByID returns the needs among ids (well-formed IDs), by ID.
	NeedsByID(ctx context.Context, ids []string) (map[string]domain.Need, error)
}

// NeedFilter selects a page of needs, oldest first: of RoundID, in State, of Category and of CommunityCode
// when given; only public ones (published with a published round) when PublicOnly; after the keyset position
// (AfterTime, AfterID), at most Limit.
type NeedFilter struct {
	RoundID       string
	State         domain.NeedState
	Category      domain.Category
	CommunityCode string
	PublicOnly    bool
	AfterTime     time.Time
	AfterID       string
	Limit         int
}

// seesAllNeeds reports whether who sees needs before they are public: staff, suite services and the departments
// and offices that record them.
func seesAllNeeds(who identity.Identity) bool { return who.ReadsAll() || who.Has(identity.Department) }

// CreateNeed is a department's (or staff member's) record of a community need.
type CreateNeed struct {
	Key   idempotency.Key
	Draft domain.NeedDraft
}

// CreateNeed records a need of a listed, not retired, community in state RECORDED.
func (s *Service) CreateNeed(ctx context.Context, cmd CreateNeed) (domain.Need, error) {
	if out, done, err := idempotency.Replay[domain.Need](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	who := identity.From(ctx)
	d := cmd.Draft.Trimmed()
	if err := d.Validate(); err != nil {
		return domain.Need{}, err
	}
	community, err := s.community(ctx, d.CommunityCode)
	if err != nil {
		return domain.Need{}, err
	}
	n, err := domain.NewNeed(d, community, who.Subject, s.now())
	if err != nil {
		return domain.Need{}, err
	}
	n.ID = ids.New()
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Need, error) {
		// The community may have been retired since it was read.
		community, err := s.community(ctx, d.CommunityCode)
		if err != nil {
			return domain.Need{}, err
		}
		if _, err := domain.NewNeed(d, community, who.Subject, n.CreatedAt); err != nil {
			return domain.Need{}, err
		}
		return n, s.needs.InsertNeed(ctx, n)
	})
}

// community returns the list's entry of a code, nil when there is none.
func (s *Service) community(ctx context.Context, code string) (*domain.Community, error) {
	c, err := s.communities.GetCommunity(ctx, code)
	if errs.ErrNotFound.Is(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// PublishNeed is the organizer's publication of a need with a round.
type PublishNeed struct {
	Key     idempotency.Key
	NeedID  string
	RoundID string
}

// PublishNeed publishes a recorded need with a round in DRAFT, or in SOLICITATION before its deadline.
func (s *Service) PublishNeed(ctx context.Context, cmd PublishNeed) (domain.Need, error) {
	if out, done, err := idempotency.Replay[domain.Need](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	if err := ids.Parse("need_id", cmd.NeedID); err != nil {
		return domain.Need{}, err
	}
	if err := ids.Parse("round_id", cmd.RoundID); err != nil {
		return domain.Need{}, err
	}
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Need, error) {
		return s.needs.UpdateNeed(ctx, cmd.NeedID, func(n *domain.Need) error {
			r, err := s.rounds.GetRound(ctx, cmd.RoundID)
			if err != nil {
				return err
			}
			return n.Publish(r, s.now())
		})
	})
}

// GetNeed returns a need: to anyone once it is public, before to staff, suite services and departments; to
// anyone else it does not exist.
func (s *Service) GetNeed(ctx context.Context, id string) (domain.Need, error) {
	if err := ids.Parse("need_id", id); err != nil {
		return domain.Need{}, err
	}
	n, err := s.needs.GetNeed(ctx, id)
	if err != nil {
		return domain.Need{}, err
	}
	if seesAllNeeds(identity.From(ctx)) {
		return n, nil
	}
	if !n.Public() {
		return domain.Need{}, errs.ErrNotFound.With("need %s not found", id)
	}
	return publicNeed(n), nil
}

// publicNeed is a need as the public sees it: the unit that recorded it, not the person.
func publicNeed(n domain.Need) domain.Need {
	n.RecordedBy = ""
	return n
}

// needStates are the states a list may ask for.
var needStates = []domain.NeedState{domain.NeedRecorded, domain.NeedPublished}

// ListNeeds lists needs, oldest first: the public ones to anyone (asking them for recorded needs finds
// none), every need to staff, suite services and departments.
func (s *Service) ListNeeds(ctx context.Context, f NeedFilter) ([]domain.Need, error) {
	if f.RoundID != "" {
		if err := ids.Parse("round_id", f.RoundID); err != nil {
			return nil, err
		}
	}
	if f.State != "" && !slices.Contains(needStates, f.State) {
		return nil, errs.Invalid("INVALID_NEED_STATE", "state", "RECORDED or PUBLISHED")
	}
	if f.Category != "" && !slices.Contains(domain.AllCategories, f.Category) {
		return nil, errs.Invalid("UNKNOWN_CATEGORY", "category", "one of ELDERLY, DISABILITY, YOUTH, RELIEF, OTHER")
	}
	if f.CommunityCode != "" {
		if err := domain.ValidCommunityCode("community_code", f.CommunityCode); err != nil {
			return nil, err
		}
	}
	f.PublicOnly = !seesAllNeeds(identity.From(ctx))
	if !f.PublicOnly {
		return s.needs.ListNeeds(ctx, f)
	}
	if f.State == domain.NeedRecorded {
		return nil, nil
	}
	needs, err := s.needs.ListNeeds(ctx, f)
	for i := range needs {
		needs[i] = publicNeed(needs[i])
	}
	return needs, err
}
