package e2e

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// roundNotice is a notice (公告) with a title and body: a round is published only with one.
func roundNotice() map[string]any {
	return map[string]any{"title": "2026年度公益创投活动公告", "body": "现将2026年度公益创投活动有关事项公告如下。"}
}

// listRounds lists every round a caller sees for query, page by page, and returns them in order.
func listRounds(t *testing.T, s *Suite, token, query string) []map[string]any {
	t.Helper()
	var out []map[string]any
	next := ""
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatal("the list of rounds does not end")
		}
		q, err := url.ParseQuery(query)
		if err != nil {
			t.Fatal(err)
		}
		if next != "" {
			q.Set("page_token", next)
		}
		st, body := s.Do("GET", "/v1/rounds?"+q.Encode(), token, nil)
		expect(t, "list rounds "+query, st, body, 200, "")
		rounds, _ := body["rounds"].([]any)
		for _, r := range rounds {
			out = append(out, r.(map[string]any))
		}
		if next = str(body["nextPageToken"]); next == "" || body["nextPageToken"] == nil {
			return out
		}
	}
}

func roundNames(rounds []map[string]any) []string {
	out := []string{}
	for _, r := range rounds {
		out = append(out, str(r["name"]))
	}
	return out
}

// TestRoundsCatalogue: the public finds published rounds only, newest first (a draft is absent from the list
// and 404 when read), staff find every round; a round is published only with its notice, which is shown with
// the publication time together with the guidance; a round whose SOLICITATION target has passed shows it
// overdue in its schedule and in the staff list of overdue rounds, which no one else may ask for.
func TestRoundsCatalogue(t *testing.T) {
	t.Parallel() // each test runs its own suite: their waits overlap
	s := Start(t)
	organizer := s.Token("rc-organizer", []string{"ORGANIZER"}, "")
	operator := s.Token("rc-operator", []string{"OPERATOR"}, "")
	applicant := s.Token("rc-applicant", []string{"APPLICANT"}, "")

	now := time.Now().UTC()
	policy := func(targets ...any) map[string]any {
		p := map[string]any{"submission_deadline": now.Add(24 * time.Hour).Format(time.RFC3339Nano), "shortlist_quota": 3, "selection_quota": 2}
		if len(targets) > 0 {
			p["phase_targets"] = targets
		}
		return p
	}
	create := func(name string, body map[string]any) map[string]any {
		t.Helper()
		body["name"], body["year"] = name, 2026
		st, round := s.Do("POST", "/v1/rounds", organizer, body)
		expect(t, "create "+name, st, round, 200, "")
		return round
	}
	publish := func(round map[string]any) map[string]any {
		t.Helper()
		st, body := s.Do("POST", "/v1/rounds/"+str(round["id"])+":advance", organizer, map[string]any{"phase": "PHASE_SOLICITATION"})
		expect(t, "publish "+str(round["name"]), st, body, 200, "")
		return body
	}

	// "late" should have been published an hour ago and its solicitation closed a minute ago.
	guidance := map[string]any{"title": "申报指引", "body": "申报材料须于截止时间前提交。", "attachments": []any{map[string]any{
		"name": "申报书模板.docx", "uri": "https://files.example.cn/2026/template.docx",
		"sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "media_type": "application/msword", "size_bytes": 20480}}}
	late := create("late", map[string]any{"notice": roundNotice(), "guidance": guidance, "policy": policy(
		map[string]any{"phase": "PHASE_DRAFT", "target_time": now.Add(-time.Hour).Format(time.RFC3339Nano)},
		map[string]any{"phase": "PHASE_SOLICITATION", "target_time": now.Add(-time.Minute).Format(time.RFC3339Nano)},
		map[string]any{"phase": "PHASE_SHORTLISTING", "target_time": now.Add(48 * time.Hour).Format(time.RFC3339Nano)})})
	if late["overdue"] != true {
		t.Fatalf("a draft past its DRAFT target is not overdue: %v", late)
	}
	if n, ok := late["notice"].(map[string]any); !ok || n["title"] != roundNotice()["title"] || n["publishTime"] != nil {
		t.Fatalf("draft's notice: %v", late["notice"])
	}

	// Without a notice a round is refused publication; a bad notice is refused; an update adds the notice.
	unnoticed := create("unnoticed", map[string]any{"policy": policy()})
	st, body := s.Do("POST", "/v1/rounds/"+str(unnoticed["id"])+":advance", organizer, map[string]any{"phase": "PHASE_SOLICITATION"})
	expect(t, "publish without a notice", st, body, 412, "ROUND_NOTICE_REQUIRED")
	st, body = s.Do("PATCH", "/v1/rounds/"+str(unnoticed["id"]), organizer, map[string]any{"etag": unnoticed["etag"], "policy": policy(),
		"notice": map[string]any{"title": "公告", "body": "正文", "attachments": []any{map[string]any{"name": "a.pdf", "uri": "http://files.example.cn/a.pdf"}}}})
	expect(t, "notice with an http attachment", st, body, 400, "INVALID_NOTICE")
	st, body = s.DoInvalid("POST", "/v1/rounds", organizer, map[string]any{"name": "x", "year": 2026, "guidance": map[string]any{"title": strings.Repeat("指", 201)}})
	expect(t, "guidance with a long title", st, body, 400, "FIELD_TOO_LONG") // over the documented maxLength (pkg/bounds)
	st, noticed := s.Do("PATCH", "/v1/rounds/"+str(unnoticed["id"]), organizer, map[string]any{"etag": unnoticed["etag"], "policy": policy(), "notice": roundNotice()})
	expect(t, "add the notice", st, noticed, 200, "")
	if noticed["etag"] == unnoticed["etag"] || noticed["notice"].(map[string]any)["body"] != roundNotice()["body"] {
		t.Fatalf("after adding the notice: %v", noticed)
	}
	draft := create("draft", map[string]any{"notice": roundNotice(), "policy": policy()})

	late = publish(late)
	noticed = publish(noticed)
	// The notice and guidance are published with the round.
	for _, doc := range []string{"notice", "guidance"} {
		d := late[doc].(map[string]any)
		if d["publishTime"] == nil || d["publishTime"] != late["publishTime"] {
			t.Fatalf("%s publish time %v, round's %v", doc, d["publishTime"], late["publishTime"])
		}
	}
	if a := late["guidance"].(map[string]any)["attachments"].([]any)[0].(map[string]any); a["uri"] != "https://files.example.cn/2026/template.docx" ||
		a["sizeBytes"] != "20480" || a["sha256"] == "" {
		t.Fatalf("guidance attachment: %v", a)
	}

	// The public: published rounds only, newest first; a draft is not found.
	for who, token := range map[string]string{"anonymous": "", "applicant": applicant} {
		if got := roundNames(listRounds(t, s, token, "page_size=1")); !slices.Equal(got, []string{"unnoticed", "late"}) {
			t.Fatalf("%s lists %v, want the published rounds newest first", who, got)
		}
		if got := listRounds(t, s, token, "phase=PHASE_DRAFT"); len(got) != 0 {
			t.Fatalf("%s asking for drafts finds %v", who, roundNames(got))
		}
		st, body := s.Do("GET", "/v1/rounds/"+str(draft["id"]), token, nil)
		expect(t, who+" reads a draft", st, body, 404, "NOT_FOUND")
		st, body = s.Do("GET", "/v1/rounds/"+str(late["id"]), token, nil)
		expect(t, who+" reads a published round", st, body, 200, "")
		if n := body["notice"].(map[string]any); n["title"] != roundNotice()["title"] || n["publishTime"] == nil || n["publishTime"] != body["publishTime"] {
			t.Fatalf("%s reads the notice %v", who, n)
		}
		st, body = s.Do("GET", "/v1/rounds?overdue_only=true", token, nil)
		expect(t, who+" lists overdue rounds", st, body, 403, "OVERDUE_LIST_STAFF_ONLY")
	}
	// Staff: every round, in pages, and the drafts alone.
	if got := roundNames(listRounds(t, s, operator, "page_size=2")); !slices.Equal(got, []string{"draft", "unnoticed", "late"}) {
		t.Fatalf("staff list %v", got)
	}
	if got := roundNames(listRounds(t, s, organizer, "phase=PHASE_DRAFT&year=2026")); !slices.Equal(got, []string{"draft"}) {
		t.Fatalf("staff list of drafts %v", got)
	}
	if got := listRounds(t, s, organizer, "year=2025"); len(got) != 0 {
		t.Fatalf("rounds of 2025: %v", roundNames(got))
	}
	st, body = s.Do("GET", "/v1/rounds/"+str(draft["id"]), operator, nil)
	expect(t, "staff read a draft", st, body, 200, "")

	// "late" was published after its DRAFT target (late) and is past its SOLICITATION target (overdue).
	overdue := listRounds(t, s, operator, "overdue_only=true")
	if got := roundNames(overdue); !slices.Equal(got, []string{"late"}) {
		t.Fatalf("overdue rounds %v, want [late]", got)
	}
	r := overdue[0]
	schedule := r["schedule"].([]any)
	if r["overdue"] != true || len(schedule) != 9 {
		t.Fatalf("overdue round: overdue=%v, %d schedule entries (want 9: DRAFT to CLOSING)", r["overdue"], len(schedule))
	}
	entry := func(i int) map[string]any { return schedule[i].(map[string]any) }
	if e := entry(0); e["phase"] != "PHASE_DRAFT" || e["enterTime"] != r["createTime"] || e["leaveTime"] != r["publishTime"] || e["late"] != true || e["overdue"] == true {
		t.Fatalf("DRAFT entry %v", e)
	}
	if e := entry(1); e["phase"] != "PHASE_SOLICITATION" || e["enterTime"] != r["publishTime"] || e["leaveTime"] != nil || e["overdue"] != true || e["targetTime"] == nil {
		t.Fatalf("SOLICITATION entry %v", e)
	}
	if e := entry(2); e["phase"] != "PHASE_SHORTLISTING" || e["enterTime"] != nil || e["overdue"] == true || e["targetTime"] == nil {
		t.Fatalf("SHORTLISTING entry %v", e)
	}
	if e := entry(8); e["phase"] != "PHASE_CLOSING" || e["targetTime"] != nil {
		t.Fatalf("CLOSING entry %v", e)
	}
	// The public sees the same schedule in the round.
	st, body = s.Do("GET", "/v1/rounds/"+str(late["id"]), "", nil)
	expect(t, "anonymous reads the late round", st, body, 200, "")
	if body["overdue"] != true || body["schedule"].([]any)[1].(map[string]any)["overdue"] != true {
		t.Fatalf("public view of the late round: overdue=%v schedule=%v", body["overdue"], body["schedule"])
	}
	if noticed["overdue"] == true {
		t.Fatalf("a round without targets is overdue: %v", noticed)
	}
}
