package api

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/pkg/pbconv"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// The communities list's page sizes: a whole district's list fits in one page.
const (
	defaultCommunityPage = 100
	maxCommunityPage     = 1000
)

func (s *Server) CreateCommunity(ctx context.Context, req *pb.CreateCommunityRequest) (*pb.Community, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Community, error) {
		c := req.GetCommunity()
		return s.app.CreateCommunity(ctx, app.CreateCommunity{Key: key, Code: c.GetCode(), Name: c.GetName(), SubDistrict: c.GetSubDistrict(),
			District: c.GetDistrict(), Retired: c.GetRetired()})
	}, communityToPB)
}

func (s *Server) UpdateCommunity(ctx context.Context, req *pb.UpdateCommunityRequest) (*pb.Community, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Community, error) {
		return s.app.UpdateCommunity(ctx, app.UpdateCommunity{Key: key, Code: strings.TrimSpace(req.GetCode()), Etag: req.GetEtag(),
			Change: domain.CommunityChange{Name: req.GetName(), SubDistrict: req.GetSubDistrict(), District: req.GetDistrict(), Retired: req.Retired}})
	}, communityToPB)
}

// communitiesPage is a ListCommunitiesRequest whose page size defaults to defaultCommunityPage.
type communitiesPage struct{ *pb.ListCommunitiesRequest }

func (p communitiesPage) GetPageSize() int32 {
	if n := p.ListCommunitiesRequest.GetPageSize(); n != 0 {
		return n
	}
	return defaultCommunityPage
}

func (s *Server) ListCommunities(ctx context.Context, req *pb.ListCommunitiesRequest) (*pb.ListCommunitiesResponse, error) {
	district, home := strings.TrimSpace(req.GetDistrict()), strings.TrimSpace(req.GetHomeDistrict())
	if home == "" {
		home = domain.DefaultHomeDistrict
	}
	// The list is the same for every caller; the token is valid for the same filters.
	filter := pagetoken.Fingerprint("communities", district, home, strconv.FormatBool(req.GetIncludeRetired()))
	page, next, err := rpc.ListUpTo(ctx, s.tokens, communitiesPage{req}, filter, maxCommunityPage, func(cur pagetoken.Cursor, limit int) ([]domain.Community, error) {
		f := app.CommunityFilter{District: district, HomeDistrict: home, IncludeRetired: req.GetIncludeRetired(), Limit: limit}
		if cur.After != "" {
			var pos []string
			if err := json.Unmarshal([]byte(cur.After), &pos); err != nil || len(pos) != 3 {
				return nil, errs.ErrInvalidPageToken.Field("page_token", "not a position in the communities list")
			}
			f.After = &app.CommunityPosition{District: pos[0], SubDistrict: pos[1], Code: pos[2]}
		}
		return s.app.ListCommunities(ctx, f)
	}, communityPosition, communityToPB)
	if err != nil {
		return nil, err
	}
	return &pb.ListCommunitiesResponse{Communities: page, NextPageToken: next}, nil
}

// communityPosition is a community's keyset position, carried by the page token: its district, sub-district
// and code (the list is not in time order, so the time is left zero).
func communityPosition(c domain.Community) (string, time.Time) {
	pos, _ := json.Marshal([]string{c.District, c.SubDistrict, c.Code})
	return string(pos), time.Time{}
}

func (s *Server) CreateNeed(ctx context.Context, req *pb.CreateNeedRequest) (*pb.Need, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Need, error) {
		n := req.GetNeed()
		return s.app.CreateNeed(ctx, app.CreateNeed{Key: key, Draft: domain.NeedDraft{Category: categoryFromPB(n.GetCategory()),
			CommunityCode: n.GetCommunityCode(), Title: n.GetTitle(), Description: n.GetDescription(), BeneficiaryGroup: n.GetBeneficiaryGroup(),
			RecordedByUnit: n.GetRecordedByUnit()}})
	}, needToPB)
}

func (s *Server) PublishNeed(ctx context.Context, req *pb.PublishNeedRequest) (*pb.Need, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Need, error) {
		return s.app.PublishNeed(ctx, app.PublishNeed{Key: key, NeedID: req.GetNeedId(), RoundID: req.GetRoundId()})
	}, needToPB)
}

func (s *Server) GetNeed(ctx context.Context, req *pb.GetNeedRequest) (*pb.Need, error) {
	return rpc.Query(ctx, func() (domain.Need, error) { return s.app.GetNeed(ctx, req.GetNeedId()) }, needToPB)
}

func (s *Server) ListNeeds(ctx context.Context, req *pb.ListNeedsRequest) (*pb.ListNeedsResponse, error) {
	who := identity.From(ctx)
	// What a caller sees depends on its roles: the token is valid for the same filters and caller.
	filter := pagetoken.Fingerprint("needs", req.GetRoundId(), req.GetState().String(), req.GetCategory().String(), req.GetCommunityCode(), who.Subject)
	maxSize := pagetoken.MaxPageSize
	if who.Has(identity.Service) {
		maxSize = pagetoken.MaxServicePageSize
	}
	page, next, err := rpc.ListUpTo(ctx, s.tokens, req, filter, maxSize, func(cur pagetoken.Cursor, limit int) ([]domain.Need, error) {
		return s.app.ListNeeds(ctx, app.NeedFilter{RoundID: strings.TrimSpace(req.GetRoundId()), State: needStateFromPB(req.GetState()),
			Category: categoryFromPB(req.GetCategory()), CommunityCode: strings.TrimSpace(req.GetCommunityCode()),
			AfterTime: cur.AfterTime, AfterID: cur.After, Limit: limit})
	}, func(n domain.Need) (string, time.Time) { return n.ID, n.CreatedAt }, needToPB)
	if err != nil {
		return nil, err
	}
	return &pb.ListNeedsResponse{Needs: page, NextPageToken: next}, nil
}

func (s *Server) BatchGetOrganizations(ctx context.Context, req *pb.BatchGetOrganizationsRequest) (*pb.BatchGetOrganizationsResponse, error) {
	return rpc.Query(ctx, func() ([]domain.Organization, error) { return s.app.BatchGetOrganizations(ctx, req.GetOrgIds()) },
		func(orgs []domain.Organization) *pb.BatchGetOrganizationsResponse {
			out := &pb.BatchGetOrganizationsResponse{Organizations: make([]*pb.Organization, 0, len(orgs))}
			for _, o := range orgs {
				out.Organizations = append(out.Organizations, orgToPB(o))
			}
			return out
		})
}

func communityToPB(c domain.Community) *pb.Community {
	return &pb.Community{Code: c.Code, Name: c.Name, SubDistrict: c.SubDistrict, District: c.District, Retired: c.Retired,
		CreateTime: ts(c.CreatedAt), UpdateTime: ts(c.UpdatedAt), Etag: domain.Etag(c.Code, c.Version)}
}

func needStateFromPB(s pb.NeedState) domain.NeedState {
	return domain.NeedState(pbconv.EnumName(s, "NEED_STATE_"))
}

func needToPB(n domain.Need) *pb.Need {
	return &pb.Need{Id: n.ID, Category: categoryToPB(n.Category), CommunityCode: n.CommunityCode, Title: n.Title, Description: n.Description,
		BeneficiaryGroup: n.BeneficiaryGroup, RecordedByUnit: n.RecordedByUnit, RecordedBy: n.RecordedBy,
		State: pb.NeedState(pb.NeedState_value["NEED_STATE_"+string(n.State)]), RoundId: n.RoundID,
		CreateTime: ts(n.CreatedAt), PublishTime: ts(n.PublishTime())}
}
