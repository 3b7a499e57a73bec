package api

import (
	"context"
	"time"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/pkg/pbconv"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

func consentToPB(c domain.PartnerConsent) pb.PartnerConsent {
	if c == domain.ConsentNone {
		return pb.PartnerConsent_PARTNER_CONSENT_UNSPECIFIED
	}
	return pb.PartnerConsent(pb.PartnerConsent_value["PARTNER_CONSENT_"+string(c)])
}

func consentFromPB(c pb.PartnerConsent) domain.PartnerConsent {
	return domain.PartnerConsent(pbconv.EnumName(c, "PARTNER_CONSENT_"))
}

// partnershipToPB is what the partner organisation sees of an application naming it: which application
// (ID, round, applicant organisation, title, category), where it stands (status, stage, idea_only) and the
// consent — not the applicant's content (summary, budget, team, declarations), its checks, reviews or etag.
func partnershipToPB(a domain.Application) *pb.Application {
	return &pb.Application{
		Id: a.ID, RoundId: a.RoundID, OrgId: a.OrgID, Title: a.Content.Title, Category: categoryToPB(a.Content.Category),
		PartnerOrgId: a.Content.PartnerOrgID, Status: statusToPB(a.Status), Stage: pb.Stage(pb.Stage_value["STAGE_"+a.Stage]),
		IdeaOnly: a.IdeaOnly, PartnerConsent: consentToPB(a.PartnerConsent), PartnerConsentTime: ts(a.PartnerConsentAt),
	}
}

func (s *Server) AcceptPartnership(ctx context.Context, req *pb.AcceptPartnershipRequest) (*pb.Application, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Application, error) {
		return s.app.AcceptPartnership(ctx, app.AcceptPartnership{Key: key, ApplicationID: req.GetApplicationId()})
	}, partnershipToPB)
}

func (s *Server) WithdrawPartnership(ctx context.Context, req *pb.WithdrawPartnershipRequest) (*pb.Application, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Application, error) {
		return s.app.WithdrawPartnership(ctx, app.WithdrawPartnership{Key: key, ApplicationID: req.GetApplicationId(), Reason: req.GetReason()})
	}, partnershipToPB)
}

func (s *Server) ListPartnerships(ctx context.Context, req *pb.ListPartnershipsRequest) (*pb.ListPartnershipsResponse, error) {
	filter := pagetoken.Fingerprint("partnerships", req.GetOrgId(), req.GetConsent().String(), identity.From(ctx).Subject)
	page, next, err := rpc.List(ctx, s.tokens, req, filter, func(cur pagetoken.Cursor, limit int) ([]domain.Application, error) {
		return s.app.ListPartnerships(ctx, app.ListPartnerships{OrgID: req.GetOrgId(), Consent: consentFromPB(req.GetConsent()),
			AfterTime: cur.AfterTime, AfterID: cur.After, Limit: limit})
	}, func(a domain.Application) (string, time.Time) { return a.ID, a.CreatedAt }, partnershipToPB)
	if err != nil {
		return nil, err
	}
	return &pb.ListPartnershipsResponse{Applications: page, NextPageToken: next}, nil
}
