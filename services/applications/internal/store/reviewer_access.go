package store

import (
	"context"

	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// ListReviewedApplications is ListApplications keeping the applications of f.OrgIDs and those the panel
// member's scope reads (every ACCEPTED one for a shortlist panel, every finalist for a final panel), filtered
// here so that a page is never short.
func (s *Store) ListReviewedApplications(ctx context.Context, f app.ApplicationFilter, scope domain.ReviewerScope) ([]domain.Application, error) {
	afterID := f.AfterID
	if afterID == "" {
		afterID = "00000000-0000-0000-0000-000000000000"
	}
	if f.OrgIDs == nil {
		f.OrgIDs = []string{}
	}
	shortlist, final := scope.RoundID == f.RoundID && scope.Shortlist, scope.RoundID == f.RoundID && scope.Final
	rows, err := s.q(ctx).Query(ctx, `SELECT `+listCols+` FROM applications
		WHERE round_id = $1 AND ($2 = '' OR status = $2) AND ($3 = '' OR category = $3)
		  AND (created_at, id) > ($4, $5::uuid)
		  AND (org_id = ANY($6::uuid[]) OR ($7 AND status = $8) OR ($9 AND stage = ANY($10::text[])))
		ORDER BY created_at, id LIMIT $11`, f.RoundID, f.Status, f.Category, f.AfterTime, afterID,
		f.OrgIDs, shortlist, domain.StatusAccepted, final, domain.FinalistStages, f.Limit)
	if err != nil {
		return nil, err
	}
	return collectListed(rows, keepContents(f), f.Limit)
}

// OrganizationReviewed reports whether an organisation applies to, or partners, an application one of the
// scopes reads.
func (s *Store) OrganizationReviewed(ctx context.Context, orgID string, scopes []domain.ReviewerScope) (bool, error) {
	shortlistRounds, finalRounds := []string{}, []string{}
	for _, sc := range scopes {
		if sc.Shortlist {
			shortlistRounds = append(shortlistRounds, sc.RoundID)
		}
		if sc.Final {
			finalRounds = append(finalRounds, sc.RoundID)
		}
	}
	var found bool
	err := s.q(ctx).QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM applications
		WHERE (org_id = $1::uuid OR content->>'partner_org_id' = $2::text)
		  AND ((round_id = ANY($3::uuid[]) AND status = $4) OR (round_id = ANY($5::uuid[]) AND stage = ANY($6::text[]))))`,
		orgID, orgID, shortlistRounds, domain.StatusAccepted, finalRounds, domain.FinalistStages).Scan(&found)
	return found, err
}
