package e2e

import (
	"bytes"
	"encoding/csv"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// fen reads an int64 amount of a JSON answer (protojson writes int64 as a string).
func fen(t *testing.T, v any) int64 {
	t.Helper()
	if v == nil {
		return 0
	}
	n, err := strconv.ParseInt(str(v), 10, 64)
	if err != nil {
		t.Fatalf("amount %v: %v", v, err)
	}
	return n
}

// yuanOf is an amount in fen written as the exports write it.
func yuanOf(fen int64) string {
	return strconv.FormatInt(fen/100, 10) + "." + strconv.FormatInt(100+fen%100, 10)[1:]
}

// TestStatisticsAndExports: a funded round's statistics equal the sums of what the gateway's own plan and
// donation summary endpoints say; the CSV export (with its BOM) and the XLSX export carry one row per project;
// roles outside staff and partners are refused.
func TestStatisticsAndExports(t *testing.T) {
	t.Parallel() // each test runs its own suite: their waits overlap
	s := Start(t)
	f := newFundedRound(t, s, []int64{5_000_000, 0, 0}, 55_000_000)
	for _, app := range f.apps {
		waitStage(t, s, f.operator, app, "STAGE_SELECTED")
	}
	plans := f.createPlans(t)
	aID := str(plans[f.apps[0]]["id"])
	f.activate(t, 0, aID)
	f.payTranche(t, aID, 1, true)

	// What funding and donations say themselves, through the gateway.
	st, body := s.Do("GET", "/v1/rounds/"+f.roundID+"/plans", f.finance, nil)
	expect(t, "plans", st, body, 200, "")
	var matched, toppedUp, disbursed, clawedBack int64
	disbursedOf := map[string]int64{}
	for _, p := range body["plans"].([]any) {
		p := p.(map[string]any)
		matched, toppedUp, clawedBack = matched+fen(t, p["matchFen"]), toppedUp+fen(t, p["topupFen"]), clawedBack+fen(t, p["clawbackFen"])
		disbursed += fen(t, p["disbursedFen"])
		disbursedOf[str(p["applicationId"])] = fen(t, p["disbursedFen"])
	}
	var deposited int64
	for _, app := range append([]string{f.ideaApp}, f.apps...) {
		st, sum := s.Do("GET", "/v1/applications/"+app+"/donationSummary", f.federation, nil)
		expect(t, "donation summary", st, sum, 200, "")
		deposited += fen(t, sum["confirmedCashFen"])
	}
	if disbursed == 0 || deposited != 5_000_000 {
		t.Fatalf("fixture: disbursed %d, deposited %d", disbursed, deposited)
	}

	for _, token := range []string{f.finance, f.lottery, f.federation, f.auditor} {
		st, stats := s.Do("GET", "/v1/rounds/"+f.roundID+"/statistics", token, nil)
		expect(t, "statistics", st, stats, 200, "")
		total := stats["total"].(map[string]any)
		got := []int64{fen(t, total["matchedFen"]), fen(t, total["toppedUpFen"]), fen(t, total["disbursedFen"]), fen(t, total["clawedBackFen"]),
			fen(t, total["depositedFen"]), fen(t, total["pledgedFen"])}
		want := []int64{matched, toppedUp, disbursed, clawedBack, deposited, deposited}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("statistics total %v, want %v (matched, topped up, disbursed, clawed back, deposited, pledged): %v", got, want, total)
			}
		}
		if total["applications"] != float64(4) || total["projects"] != float64(3) || len(stats["projects"].([]any)) != 3 ||
			total["applicationsByStage"].(map[string]any)["SELECTED"] != float64(3) || stats["phase"] != "IMPLEMENTATION" {
			t.Fatalf("statistics: %v", stats)
		}
		// Organisations: the three projects' and the idea's (an individual); the fixture gives no profile.
		if a, p := stats["applicantOrganizations"].(map[string]any), stats["selectedOrganizations"].(map[string]any); a["organizations"] != float64(4) ||
			p["organizations"] != float64(3) || stats["homeDistrict"] != "临渭区" {
			t.Fatalf("organisations %v, %v; home district %v", a, p, stats["homeDistrict"])
		}
		categories := stats["categories"].([]any)
		if len(categories) != 1 || categories[0].(map[string]any)["key"] != "ELDERLY" || fen(t, categories[0].(map[string]any)["disbursedFen"]) != disbursed {
			t.Fatalf("categories: %v", categories)
		}
	}

	// The mean final panel score is the finalists' panel scores of the results, averaged, rounded half up.
	st, res := s.Do("GET", "/v1/rounds/"+f.roundID+"/results", f.operator, nil)
	expect(t, "results", st, res, 200, "")
	var scoreSum, finalists int64
	for _, e := range res["entries"].([]any) {
		if e := e.(map[string]any); e["finalist"] == true {
			scoreSum, finalists = scoreSum+fen(t, e["panelScore"]), finalists+1
		}
	}
	_, stats := s.Do("GET", "/v1/rounds/"+f.roundID+"/statistics", f.finance, nil)
	total := stats["total"].(map[string]any)
	if finalists == 0 || fen(t, total["finalPanelScored"]) != finalists || fen(t, total["finalPanelScoreMean"]) != (2*scoreSum+finalists)/(2*finalists) {
		t.Fatalf("final panel scores: %d finalists summing %d; statistics %v", finalists, scoreSum, total)
	}

	// The CSV: BOM, Chinese headers, one row per project, 已拨付 as funding says.
	st, header, raw := s.download("/v1/rounds/"+f.roundID+"/exports/projects.csv", f.finance)
	body2, ok := bytes.CutPrefix(raw, []byte{0xEF, 0xBB, 0xBF})
	if st != 200 || !ok || header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.HasPrefix(header.Get("Content-Disposition"), "attachment; filename=") {
		t.Fatalf("csv: %d %v %q", st, header, raw[:min(len(raw), 16)])
	}
	records, err := csv.NewReader(bytes.NewReader(body2)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 4 || records[0][0] != "项目编号" || records[0][11] != "已拨付(元)" || records[0][len(records[0])-1] != "社区" {
		t.Fatalf("csv records: %q", records)
	}
	for _, r := range records[1:] {
		if r[11] != yuanOf(disbursedOf[r[0]]) || r[3] != "为老服务" {
			t.Errorf("csv row %q: disbursed %s", r, yuanOf(disbursedOf[r[0]]))
		}
	}

	// The XLSX: a workbook (a zip archive) of the right type; its cells are read back in the service's tests.
	st, header, raw = s.download("/v1/rounds/"+f.roundID+"/exports/projects.xlsx", f.lottery)
	if st != 200 || !bytes.HasPrefix(raw, []byte("PK")) || header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("xlsx: %d %v %q", st, header, raw[:min(len(raw), 4)])
	}

	// Roles outside staff and partners, and anonymous callers, are refused.
	for _, token := range []string{f.teams[0], s.Token("st-donor", []string{"DONOR"}, ""), ""} {
		for _, path := range []string{"/statistics", "/exports/projects.csv", "/exports/projects.xlsx"} {
			do := s.Do
			if token == "" {
				do = s.DoInvalid // the routes require a bearer token
			}
			st, body := do("GET", "/v1/rounds/"+f.roundID+path, token, nil)
			expect(t, "refused "+path, st, body, 403, "PERMISSION_DENIED")
		}
	}
}

// download GETs a file route and returns its status, headers and raw body (not JSON).
func (s *Suite) download(path, token string) (int, http.Header, []byte) {
	s.t.Helper()
	req, err := http.NewRequest("GET", s.URL+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.Client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	s.checkAPI(req, false, resp, body) // openapi_validate_test.go
	return resp.StatusCode, resp.Header, body
}
