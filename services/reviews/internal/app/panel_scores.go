package app

import (
	"context"

	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// PanelScoreRepository reads a round's stored panel scores.
type PanelScoreRepository interface {
	// RoundPanelScores returns the panel scores of the round's shortlist entries (SHORTLIST) and of its
	// results' finalists (FINAL), by stage then application ID; none for a stage not computed.
	RoundPanelScores(ctx context.Context, roundID string) ([]domain.StagePanelScore, error)
}

// RoundPanelScores returns every panel score of a round in one read, exactly as ComputeShortlist and
// ComputeResults stored them (domain.PanelScore): nothing is recomputed, so they equal the shortlist's and the
// results' entries. Read-only; the api's table admits suite services and staff only. An unknown round has none.
func (s *Service) RoundPanelScores(ctx context.Context, roundID string) ([]domain.StagePanelScore, error) {
	if err := ids.Parse("round_id", roundID); err != nil {
		return nil, err
	}
	return s.panelScore.RoundPanelScores(ctx, roundID)
}
