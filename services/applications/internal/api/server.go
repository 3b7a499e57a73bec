// Package api is the applications service's gRPC surface: it converts between proto and the use cases'
// commands and answers, and turns errors into statuses in one place.
package api

import (
	"context"
	"fmt"
	"strings"
	"time"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// Server implements ApplicationsService.
type Server struct {
	pb.UnimplementedApplicationsServiceServer
	app    *app.Service
	tokens *pagetoken.Signer
}

// NewServer returns the gRPC handlers over the use cases.
func NewServer(a *app.Service, tokens *pagetoken.Signer) *Server {
	return &Server{app: a, tokens: tokens}
}

// toStatus is the one place domain errors become gRPC statuses.
func toStatus(ctx context.Context, err error) error { return grpcerr.Status(ctx, err) }

func applicationOut(a domain.Application) *pb.Application {
	return applicationToPB(app.ApplicationView{Application: a})
}

func (s *Server) CreateOrganization(ctx context.Context, req *pb.CreateOrganizationRequest) (*pb.Organization, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Organization, error) {
		return s.app.CreateOrganization(ctx, app.CreateOrganization{Key: key, Name: req.GetName(), Kind: orgKindFromPB(req.GetKind()),
			USCC: req.GetUscc(), IDNumber: req.GetIdNumber(), ContactPhone: req.GetContactPhone(),
			FoundingDate: req.GetFoundingDate(), StaffSize: int(req.GetStaffSize())})
	}, orgToPB)
}

func (s *Server) VerifyOrganization(ctx context.Context, req *pb.VerifyOrganizationRequest) (*pb.Organization, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Organization, error) {
		return s.app.VerifyOrganization(ctx, app.VerifyOrganization{Key: key, OrgID: req.GetOrgId(), Evidence: req.GetEvidence()})
	}, orgToPB)
}

func (s *Server) GetOrganization(ctx context.Context, req *pb.GetOrganizationRequest) (*pb.Organization, error) {
	o, err := s.app.GetOrganization(ctx, req.GetOrgId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return orgToPB(o), nil
}

func (s *Server) CreateApplication(ctx context.Context, req *pb.CreateApplicationRequest) (*pb.Application, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Application, error) {
		return s.app.CreateApplication(ctx, app.CreateApplication{Key: key, RoundID: req.GetRoundId(), OrgID: req.GetOrgId(), Content: contentFromPB(req)})
	}, applicationOut)
}

// updatable lists the update_mask paths an applicant may change.
var updatable = map[string]func(dst *domain.Content, src domain.Content){
	"partner_org_id":        func(d *domain.Content, s domain.Content) { d.PartnerOrgID = s.PartnerOrgID },
	"category":              func(d *domain.Content, s domain.Content) { d.Category = s.Category },
	"title":                 func(d *domain.Content, s domain.Content) { d.Title = s.Title },
	"summary":               func(d *domain.Content, s domain.Content) { d.Summary = s.Summary },
	"budget_items":          func(d *domain.Content, s domain.Content) { d.BudgetItems = s.BudgetItems },
	"duration_months":       func(d *domain.Content, s domain.Content) { d.DurationMonths = s.DurationMonths },
	"special":               func(d *domain.Content, s domain.Content) { d.Special = s.Special },
	"special_justification": func(d *domain.Content, s domain.Content) { d.SpecialJustification = s.SpecialJustification },
	"service_area":          func(d *domain.Content, s domain.Content) { d.ServiceArea = s.ServiceArea },
	"beneficiaries": func(d *domain.Content, s domain.Content) {
		d.BeneficiaryGroup, d.BeneficiaryCount = s.BeneficiaryGroup, s.BeneficiaryCount
	},
	"team":                  func(d *domain.Content, s domain.Content) { d.Team = s.Team },
	"expected_outcomes":     func(d *domain.Content, s domain.Content) { d.ExpectedOutcomes = s.ExpectedOutcomes },
	"evaluation_indicators": func(d *domain.Content, s domain.Content) { d.EvaluationIndicators = s.EvaluationIndicators },
	"community_codes":       func(d *domain.Content, s domain.Content) { d.CommunityCodes = s.CommunityCodes },
	"need_ids":              func(d *domain.Content, s domain.Content) { d.NeedIDs = s.NeedIDs },
	"declarations":          func(d *domain.Content, s domain.Content) { d.Declarations = s.Declarations },
}

// givenPaths are the fields set in an update request without a mask.
func givenPaths(req *pb.UpdateApplicationRequest) []string {
	var paths []string
	add := func(ok bool, p string) {
		if ok {
			paths = append(paths, p)
		}
	}
	add(req.GetPartnerOrgId() != "", "partner_org_id")
	add(req.GetCategory() != pb.Category_CATEGORY_UNSPECIFIED, "category")
	add(req.GetTitle() != "", "title")
	add(req.GetSummary() != "", "summary")
	add(len(req.GetBudgetItems()) > 0, "budget_items")
	add(req.GetDurationMonths() != 0, "duration_months")
	add(req.GetSpecial(), "special")
	add(req.GetSpecialJustification() != "", "special_justification")
	add(len(req.GetServiceArea()) > 0, "service_area")
	add(req.GetBeneficiaries() != nil, "beneficiaries")
	add(len(req.GetTeam()) > 0, "team")
	add(len(req.GetExpectedOutcomes()) > 0, "expected_outcomes")
	add(len(req.GetEvaluationIndicators()) > 0, "evaluation_indicators")
	add(len(req.GetCommunityCodes()) > 0, "community_codes")
	add(len(req.GetNeedIds()) > 0, "need_ids")
	add(req.GetDeclarations() != nil, "declarations")
	return paths
}

func (s *Server) UpdateApplication(ctx context.Context, req *pb.UpdateApplicationRequest) (*pb.Application, error) {
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		paths = givenPaths(req)
	}
	for _, p := range paths {
		if _, ok := updatable[p]; !ok {
			return nil, toStatus(ctx, errs.Invalid("INVALID_UPDATE_MASK", "update_mask", fmt.Sprintf("%q is not a field an applicant can change", p)))
		}
	}
	src := contentFromPB(req)
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Application, error) {
		return s.app.UpdateApplication(ctx, app.UpdateApplication{Key: key, ApplicationID: req.GetApplicationId(), Etag: req.GetEtag(),
			Change: func(c *domain.Content) {
				for _, p := range paths {
					updatable[p](c, src)
				}
			}})
	}, applicationOut)
}

func (s *Server) SubmitApplication(ctx context.Context, req *pb.SubmitApplicationRequest) (*pb.Application, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Application, error) {
		return s.app.SubmitApplication(ctx, app.SubmitApplication{Key: key, ApplicationID: req.GetApplicationId(), Etag: req.GetEtag()})
	}, applicationOut)
}

func (s *Server) ReviewApplication(ctx context.Context, req *pb.ReviewApplicationRequest) (*pb.Application, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Application, error) {
		return s.app.ReviewApplication(ctx, app.ReviewApplication{Key: key, ApplicationID: req.GetApplicationId(),
			Decision: decisionFromPB(req.GetDecision()), Reasons: req.GetReasons(), Etag: req.GetEtag()})
	}, applicationOut)
}

func (s *Server) GetApplication(ctx context.Context, req *pb.GetApplicationRequest) (*pb.Application, error) {
	v, err := s.app.GetApplication(ctx, req.GetApplicationId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return applicationToPB(v), nil
}

func (s *Server) ListApplications(ctx context.Context, req *pb.ListApplicationsRequest) (*pb.ListApplicationsResponse, error) {
	filter := pagetoken.Fingerprint(req.GetRoundId(), req.GetStatus().String(), req.GetCategory().String(), identity.From(ctx).Subject)
	// People page 100 at a time at most; suite services (supervision's statistics read whole rounds) up to 1,000.
	maxSize := pagetoken.MaxPageSize
	if identity.From(ctx).Has(identity.Service) {
		maxSize = pagetoken.MaxServicePageSize
	}
	page, next, err := rpc.ListUpTo(ctx, s.tokens, req, filter, maxSize, func(cur pagetoken.Cursor, limit int) ([]domain.Application, error) {
		return s.app.ListApplications(ctx, app.ApplicationFilter{
			RoundID: req.GetRoundId(), Status: statusFromPB(req.GetStatus()), Category: categoryFromPB(req.GetCategory()),
			AfterTime: cur.AfterTime, AfterID: cur.After, Limit: limit,
		})
	}, func(a domain.Application) (string, time.Time) { return a.ID, a.CreatedAt }, applicationOut)
	if err != nil {
		return nil, err
	}
	return &pb.ListApplicationsResponse{Applications: page, NextPageToken: next}, nil
}

func (s *Server) ListApplicationRevisions(ctx context.Context, req *pb.ListApplicationRevisionsRequest) (*pb.ListApplicationRevisionsResponse, error) {
	revs, err := s.app.ListRevisions(ctx, req.GetApplicationId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	resp := &pb.ListApplicationRevisionsResponse{}
	for _, r := range revs.Revisions {
		snap := revs.Application
		snap.Content, snap.IdeaOnly, snap.Revision, snap.LastSubmitAt = r.Content, r.IdeaOnly, r.Number, r.SubmittedAt
		v := applicationOut(snap)
		v.Etag, v.Status, v.LastReview, v.UpdateTime = "", pb.ApplicationStatus_APPLICATION_STATUS_SUBMITTED, nil, nil
		// The partner's consent is the application's, not part of what was submitted (GetApplication shows it).
		v.PartnerConsent, v.PartnerConsentTime = pb.PartnerConsent_PARTNER_CONSENT_UNSPECIFIED, nil
		resp.Revisions = append(resp.Revisions, &pb.Revision{Number: int32(r.Number), SubmitTime: ts(r.SubmittedAt), Application: v})
	}
	return resp, nil
}

func (s *Server) SetApplicationStage(ctx context.Context, req *pb.SetApplicationStageRequest) (*pb.Application, error) {
	stage := strings.TrimPrefix(req.GetStage().String(), "STAGE_")
	a, err := s.app.SetStage(ctx, app.SetStage{ApplicationID: req.GetApplicationId(), Stage: stage})
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return applicationOut(a), nil
}
