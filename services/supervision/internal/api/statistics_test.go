package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"google.golang.org/grpc"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/pkg/authz/authztest"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/supervision/internal/api"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
	"github.com/commonweal/commonweal/services/supervision/internal/store"
)

// statisticsReaders may read statistics and exports, written out from API.md ("staff, partners").
var statisticsReaders = []identity.Role{identity.Organizer, identity.Operator, identity.Committee, identity.Finance, identity.Auditor,
	identity.CharityFederation, identity.LotteryCenter}

// twoProjects is the applications service knowing one round in IMPLEMENTATION with one selected project (budget
// 200,000.50 yuan) and one rejected application.
type twoProjects struct {
	round   domain.Round
	project domain.RoundApplication
}

func (o twoProjects) GetRound(_ context.Context, id string) (domain.Round, error) {
	if id != o.round.ID {
		return domain.Round{}, errs.ErrNotFound
	}
	return o.round, nil
}

func (o twoProjects) RoundApplications(context.Context, string) ([]domain.RoundApplication, error) {
	rejected := domain.RoundApplication{Project: domain.Project{ID: ids.New(), RoundID: o.round.ID, OrgID: ids.New()}, Category: "OTHER", Status: "REJECTED"}
	return []domain.RoundApplication{o.project, rejected}, nil
}

// Communities: the list holds the project's first community; its second is no longer listed.
func (o twoProjects) Communities(context.Context) (map[string]domain.Community, error) {
	return map[string]domain.Community{"DQ": {Code: "DQ", Name: "杜桥社区", SubDistrict: "杜桥街道", District: "临渭区"}}, nil
}

// RoundNeeds: one need published with the round, which the project answers.
func (o twoProjects) RoundNeeds(context.Context, string) ([]domain.Need, error) {
	return []domain.Need{{ID: "need-1", Title: "助餐", Category: "ELDERLY", CommunityCode: "DQ", State: domain.NeedPublished}}, nil
}

// Organizations knows the project's organisation (founded 2015, 8 staff).
func (o twoProjects) Organizations(_ context.Context, ids []string) (map[string]domain.Organization, error) {
	out := map[string]domain.Organization{}
	for _, id := range ids {
		if id == o.project.OrgID {
			out[id] = domain.Organization{ID: id, Name: "临渭区夕阳红服务中心", Kind: "SOCIAL_ORGANIZATION", FoundingDate: "2015-06-01", StaffSize: 8}
		}
	}
	return out, nil
}

// RoundPanelScores: the project has a shortlist panel score of 81.25 and no final one.
func (o twoProjects) RoundPanelScores(context.Context, string) (map[string]domain.PanelScores, error) {
	return map[string]domain.PanelScores{o.project.ID: {Shortlist: 8125, HasShortlist: true}}, nil
}

func serveStatistics(t *testing.T) (*authztest.Server, twoProjects) {
	t.Helper()
	pool := schema.Pool(t, 0)
	round := domain.Round{ID: ids.New(), Phase: "IMPLEMENTATION", PhaseEnteredAt: time.Now().Add(-time.Hour), MonthlyReportDueDay: 10, TimeZone: "Asia/Shanghai",
		PublishedAt: time.Now().Add(-24 * time.Hour)}
	apps := twoProjects{round: round, project: domain.RoundApplication{Project: domain.Project{ID: ids.New(), RoundID: round.ID, OrgID: ids.New(),
		Title: "老年食堂", Stage: "SELECTED", DurationMonths: 12}, Category: "ELDERLY", ServiceArea: []string{"向阳街道", "人民街道"},
		CommunityCodes: []string{"DQ", "610502-OLD"}, NeedIDs: []string{"need-1"}, Status: "ACCEPTED", BudgetFen: 20_000_050}}
	money := finishedPlans{project: apps.project.Project}
	stats := app.NewStatistics(store.New(pool), app.StatisticsPeers{Applications: apps, Catalogue: apps, Funding: money, Donations: money, Reviews: apps}, time.Now)
	return authztest.Serve(t, api.StatisticsPolicy, func(s *grpc.Server) {
		pb.RegisterStatisticsServiceServer(s, api.NewStatisticsServer(stats))
	}), apps
}

// TestStatisticsPolicy: every RPC has a rule and every role outside staff and partners is refused before the
// handler, as is an anonymous caller.
func TestStatisticsPolicy(t *testing.T) {
	authztest.Covers(t, api.StatisticsPolicy, pb.StatisticsService_ServiceDesc)
	srv, _ := serveStatistics(t)
	srv.RoleMatrix(t, pb.StatisticsService_ServiceDesc, map[string][]identity.Role{
		"GetRoundStatistics": statisticsReaders, "ExportProjectsSpreadsheet": statisticsReaders, "ExportProjectsCsv": statisticsReaders}, nil)
}

// TestExports: the XLSX opens with excelize and its cells read back the project's row; the CSV starts with the
// UTF-8 byte order mark and parses with encoding/csv into the same cells.
func TestExports(t *testing.T) {
	srv, apps := serveStatistics(t)
	finance := &identity.Identity{Subject: "finance", Roles: []identity.Role{identity.Finance}}
	wantRow := []string{apps.project.ID, "老年食堂", "临渭区夕阳红服务中心", "为老服务", "向阳街道、人民街道", "200000.50", "0.03", "0.00", "0.00",
		"0.07", "0.00", "0.00", "0.00", "0", "0", "0", "未评估", "未评估", "已完成", "杜桥社区、610502-OLD"}

	var x pb.ExportFile
	if err := srv.Invoke("ExportProjectsSpreadsheet", finance, &pb.ExportProjectsSpreadsheetRequest{RoundId: apps.round.ID}, &x); err != nil {
		t.Fatal(err)
	}
	if x.GetContentType() != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" || x.GetFilename() != "projects-"+apps.round.ID+".xlsx" {
		t.Fatalf("xlsx file: %s %s", x.GetContentType(), x.GetFilename())
	}
	book, err := excelize.OpenReader(bytes.NewReader(x.GetContent()))
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	rows, err := book.GetRows(api.ExportSheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || !slices.Equal(rows[0], domain.ExportHeaders) || !slices.Equal(rows[1], wantRow) {
		t.Fatalf("xlsx rows:\n%q\nwant\n%q", rows, wantRow)
	}
	if typ, err := book.GetCellType(api.ExportSheet, "F2"); err != nil || typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Fatalf("budget cell type %v %v: want a number (no type attribute, or n)", typ, err)
	}
	if raw, err := book.GetCellValue(api.ExportSheet, "F2", excelize.Options{RawCellValue: true}); err != nil || raw != "200000.5" {
		t.Fatalf("budget raw value %q %v", raw, err)
	}

	var c pb.ExportFile
	if err := srv.Invoke("ExportProjectsCsv", finance, &pb.ExportProjectsCsvRequest{RoundId: apps.round.ID}, &c); err != nil {
		t.Fatal(err)
	}
	body, ok := bytes.CutPrefix(c.GetContent(), []byte{0xEF, 0xBB, 0xBF})
	if !ok || c.GetContentType() != "text/csv; charset=utf-8" {
		t.Fatalf("csv without BOM or with type %q: %q", c.GetContentType(), c.GetContent()[:8])
	}
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 2 || !slices.Equal(records[0], domain.ExportHeaders) || !slices.Equal(records[1], wantRow) {
		t.Fatalf("csv: %q", records)
	}

	if err := srv.Invoke("ExportProjectsCsv", finance, &pb.ExportProjectsCsvRequest{RoundId: ids.New()}, &c); grpcerr.Reason(err) != "NOT_FOUND" {
		t.Fatalf("unknown round: %v", err)
	}
}

// TestStatisticsPanelScores: the panel score means and counts reach the answer, per group and per project.
func TestStatisticsPanelScores(t *testing.T) {
	srv, apps := serveStatistics(t)
	var st pb.RoundStatistics
	finance := &identity.Identity{Subject: "finance", Roles: []identity.Role{identity.Finance}}
	if err := srv.Invoke("GetRoundStatistics", finance, &pb.GetRoundStatisticsRequest{RoundId: apps.round.ID}, &st); err != nil {
		t.Fatal(err)
	}
	for _, g := range []*pb.StatisticsGroup{st.GetTotal(), st.GetCategories()[0], st.GetCommunities()[0], st.GetProjects()[0].GetFigures()} {
		if g.GetShortlistPanelScored() != 1 || g.GetShortlistPanelScoreMean() != 8125 || g.GetFinalPanelScored() != 0 || g.GetFinalPanelScoreMean() != 0 {
			t.Errorf("%q: shortlist %d × %d, final %d × %d", g.GetKey(), g.GetShortlistPanelScored(), g.GetShortlistPanelScoreMean(),
				g.GetFinalPanelScored(), g.GetFinalPanelScoreMean())
		}
	}
}

// TestStatisticsCatalogue: the answer carries the community groups by code with their labels, the home
// district and its count, the needs and the organisation profiles with every band.
func TestStatisticsCatalogue(t *testing.T) {
	srv, apps := serveStatistics(t)
	var st pb.RoundStatistics
	auditor := &identity.Identity{Subject: "auditor", Roles: []identity.Role{identity.Auditor}}
	if err := srv.Invoke("GetRoundStatistics", auditor, &pb.GetRoundStatisticsRequest{RoundId: apps.round.ID}, &st); err != nil {
		t.Fatal(err)
	}
	var groups []string
	for _, g := range st.GetCommunities() {
		groups = append(groups, g.GetKey()+"|"+g.GetLabel())
	}
	if want := []string{"610502-OLD|610502-OLD", "DQ|杜桥社区, 杜桥街道, 临渭区"}; !slices.Equal(groups, want) {
		t.Fatalf("community groups %q, want %q", groups, want)
	}
	if st.GetHomeDistrict() != "临渭区" || st.GetApplicationsMainlyInHomeDistrict() != 1 || st.GetTotal().GetLabel() != "" {
		t.Fatalf("home district %q %d", st.GetHomeDistrict(), st.GetApplicationsMainlyInHomeDistrict())
	}
	n := st.GetNeeds()
	if n.GetPublished() != 1 || n.GetAnswered() != 1 || n.GetMet() != 1 || len(n.GetLines()) != 1 || n.GetLines()[0].GetNeedId() != "need-1" ||
		n.GetLines()[0].GetTitle() != "助餐" || n.GetLines()[0].GetCategory() != "ELDERLY" || n.GetLines()[0].GetCommunityCode() != "DQ" ||
		n.GetLines()[0].GetApplications() != 1 || n.GetLines()[0].GetProjects() != 1 {
		t.Fatalf("needs %v", n)
	}
	a, s := st.GetApplicantOrganizations(), st.GetSelectedOrganizations()
	if a.GetOrganizations() != 2 || a.GetByAge()["5_YEARS_OR_MORE"] != 1 || a.GetByAge()["UNKNOWN"] != 1 || len(a.GetByAge()) != 5 ||
		a.GetByStaffSize()["6_TO_10"] != 1 || a.GetByStaffSize()["UNKNOWN"] != 1 || len(a.GetByStaffSize()) != 5 ||
		s.GetOrganizations() != 1 || s.GetByAge()["5_YEARS_OR_MORE"] != 1 || s.GetByStaffSize()["6_TO_10"] != 1 || s.GetByStaffSize()["UNKNOWN"] != 0 {
		t.Fatalf("profiles: applicants %v, selected %v", a, s)
	}
	if p := st.GetProjects(); len(p) != 1 || p[0].GetOrgName() != "临渭区夕阳红服务中心" {
		t.Fatalf("projects %v", p)
	}
}
