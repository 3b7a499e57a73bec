package app

import (
	"context"
	"strings"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// CommunityStore keeps the communities list. Its methods join the transaction carried by ctx.
type CommunityStore interface {
	// InsertCommunity adds a community; domain.ErrCommunityExists when its code is taken.
	InsertCommunity(ctx context.Context, c domain.Community) error
	GetCommunity(ctx context.Context, code string) (domain.Community, error)
	// UpdateCommunity locks the community, lets change apply the rules and saves it if change altered it.
	UpdateCommunity(ctx context.Context, code string, change func(*domain.Community) error) (domain.Community, error)
	// ListCommunities returns up to f.Limit communities after the keyset position, home district first.
	ListCommunities(ctx context.Context, f CommunityFilter) ([]domain.Community, error)
	// CommunitiesByCode returns the listed communities among codes (retired ones included), by code.
	CommunitiesByCode(ctx context.Context, codes []string) (map[string]domain.Community, error)
}

// CommunityFilter selects a page of communities in the list's order: those of HomeDistrict first, then by
// district, sub-district and code; of District only when given; retired ones only when IncludeRetired; after
// the keyset position After (nil: from the start); at most Limit.
type CommunityFilter struct {
	District       string
	HomeDistrict   string
	IncludeRetired bool
	After          *CommunityPosition
	Limit          int
}

// CommunityPosition is a community's place in the list's order (its district decides whether it comes first).
type CommunityPosition struct {
	District, SubDistrict, Code string
}

// CreateCommunity is a staff member's addition to the communities list.
type CreateCommunity struct {
	Key                               idempotency.Key
	Code, Name, SubDistrict, District string
	Retired                           bool
}

// CreateCommunity adds a community to the list; a code already listed is ALREADY_EXISTS.
func (s *Service) CreateCommunity(ctx context.Context, cmd CreateCommunity) (domain.Community, error) {
	if out, done, err := idempotency.Replay[domain.Community](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	c, err := domain.NewCommunity(cmd.Code, cmd.Name, cmd.SubDistrict, cmd.District, s.now())
	if err != nil {
		return domain.Community{}, err
	}
	c.Retired = cmd.Retired
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Community, error) {
		return c, s.communities.InsertCommunity(ctx, c)
	})
}

// UpdateCommunity is a staff member's edit of a community: rename, move, retire or reinstate.
type UpdateCommunity struct {
	Key    idempotency.Key
	Code   string
	Change domain.CommunityChange
	// Etag is the community's etag as last read; it is required.
	Etag string
}

// UpdateCommunity edits a community of the list.
func (s *Service) UpdateCommunity(ctx context.Context, cmd UpdateCommunity) (domain.Community, error) {
	if out, done, err := idempotency.Replay[domain.Community](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	if cmd.Etag == "" {
		return domain.Community{}, errs.ErrEtagRequired.Field("etag", "the etag of the community as last read is required")
	}
	if err := domain.ValidCommunityCode("code", cmd.Code); err != nil {
		return domain.Community{}, err
	}
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Community, error) {
		return s.communities.UpdateCommunity(ctx, cmd.Code, func(c *domain.Community) error {
			if err := checkEtag(cmd.Etag, c.Code, c.Version); err != nil {
				return err
			}
			return c.Edit(cmd.Change, s.now())
		})
	})
}

// ListCommunities lists the communities, home district (domain.DefaultHomeDistrict unless f names another)
// first; anyone may.
func (s *Service) ListCommunities(ctx context.Context, f CommunityFilter) ([]domain.Community, error) {
	f.District, f.HomeDistrict = strings.TrimSpace(f.District), strings.TrimSpace(f.HomeDistrict)
	if f.HomeDistrict == "" {
		f.HomeDistrict = domain.DefaultHomeDistrict
	}
	return s.communities.ListCommunities(ctx, f)
}
