package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// listCols are the columns of a listed application: appCols without the catalogue snapshot, which no list
// item shows (the list answers carry the application's content, status and times, never the snapshot of the
// needs and communities it chose; GetApplication reads the whole row).
const listCols = `id, round_id, org_id, content, status, stage, idea_only, revision, version, created_at, updated_at,
	first_submitted_at, last_submitted_at, last_review, created_by, partner_consent, partner_consent_at`

// The decoded values a decodeMemo remembers: the JSON of a content is a few kilobytes at most; past
// memoHeldBytes of remembered JSON a memo starts afresh.
const (
	memoMaxBytes  = 16 << 10
	memoHeldBytes = 4 << 20
)

// listContents and listReviews remember the contents and latest reviews recently decoded for people's list
// pages, keyed by their stored JSON: the same page read again and again (a category's first page, the
// finalists during the promotion) decodes each once. Decoding is a function of the bytes alone, so an
// application changed since has other bytes and is decoded afresh; every caller gets its own copy of the
// lists, never the memo's.
var (
	listContents = &decodeMemo[domain.Content]{clone: cloneContent}
	listReviews  = &decodeMemo[domain.Review]{clone: func(r domain.Review) domain.Review {
		r.Reasons = slices.Clone(r.Reasons)
		return r
	}}
)

// decodeMemo remembers the values decoded from JSON, by the JSON.
type decodeMemo[T any] struct {
	clone func(T) T // a copy sharing no list with the original

	mu   sync.RWMutex
	m    map[string]T
	held int
}

// decode returns the value stored as raw, remembered when keep is set (people's pages; a suite service's
// whole-round read passes each value once and would only crowd the others out).
func (m *decodeMemo[T]) decode(raw []byte, keep bool) (T, error) {
	m.mu.RLock()
	v, ok := m.m[string(raw)]
	m.mu.RUnlock()
	if ok {
		return m.clone(v), nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, err
	}
	if !keep || len(raw) > memoMaxBytes {
		return v, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil || m.held+len(raw) > memoHeldBytes {
		m.m, m.held = map[string]T{}, 0
	}
	if _, dup := m.m[string(raw)]; !dup {
		m.m[string(raw)] = v
		m.held += len(raw)
	}
	return m.clone(v), nil
}

// cloneContent is c with lists of its own (strings are immutable and shared).
func cloneContent(c domain.Content) domain.Content {
	c.BudgetItems = slices.Clone(c.BudgetItems)
	c.ServiceArea = slices.Clone(c.ServiceArea)
	c.Team = slices.Clone(c.Team)
	c.ExpectedOutcomes = slices.Clone(c.ExpectedOutcomes)
	c.EvaluationIndicators = slices.Clone(c.EvaluationIndicators)
	c.CommunityCodes = slices.Clone(c.CommunityCodes)
	c.NeedIDs = slices.Clone(c.NeedIDs)
	c.Declarations.OtherFunding = slices.Clone(c.Declarations.OtherFunding)
	return c
}

// scanListed reads a row of listCols: the application as scanApplication reads it, without the catalogue
// snapshot; the content and the latest review through listContents and listReviews (remembered when keep is
// set).
func scanListed(row pgx.Row, keep bool) (domain.Application, error) {
	var a domain.Application
	var content, review []byte
	var first, last, consentAt *time.Time
	if err := row.Scan(&a.ID, &a.RoundID, &a.OrgID, &content, &a.Status, &a.Stage, &a.IdeaOnly, &a.Revision, &a.Version,
		&a.CreatedAt, &a.UpdatedAt, &first, &last, &review, &a.CreatedBySubject, &a.PartnerConsent, &consentAt); err != nil {
		return a, err
	}
	a.PartnerConsentAt = db.TimeOf(consentAt)
	a.FirstSubmitAt, a.LastSubmitAt = db.TimeOf(first), db.TimeOf(last)
	var err error
	if a.Content, err = listContents.decode(content, keep); err != nil {
		return a, fmt.Errorf("application %s content: %w", a.ID, err)
	}
	if review != nil {
		r, err := listReviews.decode(review, keep)
		if err != nil {
			return a, err
		}
		a.LastReview = &r
	}
	return a, nil
}

// collectListed reads every row of a list query with scanListed into a slice made for limit rows (the query's
// LIMIT): an application is a large value, and growing the slice row by row copied each page several times.
func collectListed(rows pgx.Rows, keep bool, limit int) ([]domain.Application, error) {
	return pgx.AppendRows(make([]domain.Application, 0, max(0, min(limit, 1000))), rows,
		func(row pgx.CollectableRow) (domain.Application, error) { return scanListed(row, keep) })
}
