// Package clients holds the gRPC clients of the other services, behind the interfaces the use cases declare.
package clients

import (
	"context"

	"google.golang.org/grpc"

	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/pbconv"
	"github.com/commonweal/commonweal/pkg/peer"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// Applications asks the applications service about projects (selected applications) and rounds, as this
// service (the connection comes from grpcserver.DialAs, which also bounds each call). Its failures come back as
// this service's own errors: APPLICATIONS_UNAVAILABLE, APPLICATIONS_CALL_FAILED, … (see pkg/peer).
type Applications struct {
	c applicationsv1.ApplicationsServiceClient
}

var _ app.Applications = (*Applications)(nil)

// NewApplications returns the client over conn.
func NewApplications(conn grpc.ClientConnInterface) *Applications {
	return &Applications{c: applicationsv1.NewApplicationsServiceClient(conn)}
}

// GetProject reads an application as a project; an unknown one is PROJECT_NOT_FOUND.
func (a *Applications) GetProject(ctx context.Context, id string) (domain.Project, error) {
	r, err := a.c.GetApplication(ctx, &applicationsv1.GetApplicationRequest{ApplicationId: id})
	if err != nil {
		return domain.Project{}, peer.Error(ctx, "applications", err, domain.ErrProjectNotFound.With("project %s not found", id))
	}
	return projectOf(r), nil
}

func projectOf(r *applicationsv1.Application) domain.Project {
	p := domain.Project{ID: r.GetId(), RoundID: r.GetRoundId(), OrgID: r.GetOrgId(), Title: r.GetTitle(),
		Stage: pbconv.EnumName(r.GetStage(), "STAGE_"), DurationMonths: int(r.GetDurationMonths())}
	for _, b := range r.GetBudgetItems() {
		p.BudgetLines = append(p.BudgetLines, b.GetName())
	}
	return p
}

// GetRound reads a round's phase, when it entered it and when it was published, its monthly report due day,
// time zone and home district rule; an unknown round is NOT_FOUND.
func (a *Applications) GetRound(ctx context.Context, id string) (domain.Round, error) {
	r, err := a.c.GetRound(ctx, &applicationsv1.GetRoundRequest{RoundId: id})
	if err != nil {
		return domain.Round{}, peer.Error(ctx, "applications", err, errs.ErrNotFound.With("round %s not found", id))
	}
	p := r.GetPolicy()
	out := domain.Round{ID: r.GetId(), Phase: pbconv.EnumName(r.GetPhase(), "PHASE_"),
		MonthlyReportDueDay: int(p.GetMonthlyReportDueDay()), TimeZone: p.GetTimeZone(),
		HomeDistrict: p.GetHomeDistrict(), HomeDistrictMinPercent: int(p.GetHomeDistrictMinPercent())}
	if r.GetPhaseEnterTime() != nil {
		out.PhaseEnteredAt = r.GetPhaseEnterTime().AsTime()
	}
	if r.GetPublishTime() != nil {
		out.PublishedAt = r.GetPublishTime().AsTime()
	}
	return out, nil
}

// SelectedProjects pages through a round's accepted applications (the applications service lists by status,
// not by stage; a selected application was accepted at initial review) and keeps the SELECTED ones.
func (a *Applications) SelectedProjects(ctx context.Context, roundID string) ([]domain.Project, error) {
	var out []domain.Project
	token := ""
	for {
		page, err := a.c.ListApplications(ctx, &applicationsv1.ListApplicationsRequest{RoundId: roundID,
			Status: applicationsv1.ApplicationStatus_APPLICATION_STATUS_ACCEPTED, PageSize: 100, PageToken: token})
		if err != nil {
			return nil, peer.Error(ctx, "applications", err, errs.ErrNotFound.With("round %s not found", roundID))
		}
		for _, r := range page.GetApplications() {
			if r.GetStage() == applicationsv1.Stage_STAGE_SELECTED {
				out = append(out, projectOf(r))
			}
		}
		if token = page.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}
