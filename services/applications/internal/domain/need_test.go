package domain

import (
	"strings"
	"testing"
	"time"
)

func goodNeed() NeedDraft {
	return NeedDraft{Category: CategoryElderly, CommunityCode: "610502001001", Title: "独居老人助餐", Description: "社区内独居老人约80人，午餐无人照料。",
		BeneficiaryGroup: "独居老人", RecordedByUnit: "杜桥街道社会事务办"}
}

func needWith(f func(*NeedDraft)) NeedDraft {
	d := goodNeed()
	f(&d)
	return d
}

func TestNewNeed(t *testing.T) {
	listed := &Community{Code: "610502001001", District: "临渭区"}
	retired := &Community{Code: "610502001001", District: "临渭区", Retired: true}
	tests := []struct {
		name      string
		d         NeedDraft
		community *Community
		want      want
	}{
		{"good", goodNeed(), listed, want{}},
		{"texts trimmed", needWith(func(d *NeedDraft) {
			d.Title, d.RecordedByUnit = " 独居老人助餐 ", " 杜桥街道社会事务办 "
		}), listed, want{}},
		{"no category", needWith(func(d *NeedDraft) { d.Category = "" }), listed, want{reason: "UNKNOWN_CATEGORY", field: "need.category"}},
		{"unknown category", needWith(func(d *NeedDraft) { d.Category = "SPACE" }), listed, want{reason: "UNKNOWN_CATEGORY"}},
		{"malformed community code", needWith(func(d *NeedDraft) { d.CommunityCode = "杜桥" }), listed, want{reason: "INVALID_COMMUNITY_CODE", field: "need.community_code"}},
		{"community not listed", goodNeed(), nil, want{is: ErrUnknownCommunity, reason: "UNKNOWN_COMMUNITY", field: "need.community_code"}},
		{"community retired", goodNeed(), retired, want{is: ErrUnknownCommunity, field: "need.community_code"}},
		{"no title", needWith(func(d *NeedDraft) { d.Title = "  " }), listed, want{reason: "NEED_FIELD_REQUIRED", field: "need.title"}},
		{"title of 200", needWith(func(d *NeedDraft) { d.Title = strings.Repeat("题", 200) }), listed, want{}},
		{"title of 201", needWith(func(d *NeedDraft) { d.Title = strings.Repeat("题", 201) }), listed, want{reason: "NEED_FIELD_TOO_LONG", field: "need.title"}},
		{"no description", needWith(func(d *NeedDraft) { d.Description = "\n" }), listed, want{reason: "NEED_FIELD_REQUIRED", field: "need.description"}},
		{"description of 10,000", needWith(func(d *NeedDraft) { d.Description = strings.Repeat("述", 10_000) }), listed, want{}},
		{"description of 10,001", needWith(func(d *NeedDraft) { d.Description = strings.Repeat("述", 10_001) }), listed,
			want{reason: "NEED_FIELD_TOO_LONG", field: "need.description"}},
		{"no beneficiary group", needWith(func(d *NeedDraft) { d.BeneficiaryGroup = "" }), listed, want{reason: "NEED_FIELD_REQUIRED", field: "need.beneficiary_group"}},
		{"no recording unit", needWith(func(d *NeedDraft) { d.RecordedByUnit = "" }), listed, want{reason: "NEED_FIELD_REQUIRED", field: "need.recorded_by_unit"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := NewNeed(tc.d, tc.community, "dept-1", t0)
			checkErr(t, err, tc.want)
			if err != nil {
				return
			}
			if n.State != NeedRecorded || n.RoundID != "" || n.RecordedBy != "dept-1" || !n.CreatedAt.Equal(t0) || n.Title != strings.TrimSpace(tc.d.Title) ||
				n.RecordedByUnit != "杜桥街道社会事务办" || n.Public() || !n.PublishTime().IsZero() {
				t.Errorf("new need %+v", n)
			}
		})
	}
}

func TestPublishNeed(t *testing.T) {
	deadline := t0.Add(24 * time.Hour)
	policy := Policy{SubmissionDeadline: deadline}
	round := func(id string, phase Phase) Round {
		r := Round{ID: id, Phase: phase, Policy: policy}
		if phase != PhaseDraft {
			r.PublishedAt = t0.Add(-time.Hour)
		}
		return r
	}
	recorded := Need{ID: "n1", State: NeedRecorded, CreatedAt: t0.Add(-2 * time.Hour)}
	published := Need{ID: "n1", State: NeedPublished, RoundID: "r1", PublishedAt: t0.Add(-30 * time.Minute), RoundPhase: PhaseSolicitation}
	tests := []struct {
		name      string
		need      Need
		round     Round
		now       time.Time
		want      want
		wantRound string
		wantAt    time.Time
	}{
		{"with a draft round", recorded, round("r1", PhaseDraft), t0, want{}, "r1", t0},
		{"with a draft round past its deadline: the deadline binds applications, not drafts", recorded, round("r1", PhaseDraft), deadline.Add(time.Hour), want{}, "r1", deadline.Add(time.Hour)},
		{"soliciting, before the deadline", recorded, round("r1", PhaseSolicitation), deadline.Add(-time.Nanosecond), want{}, "r1", deadline.Add(-time.Nanosecond)},
		{"soliciting, at the deadline", recorded, round("r1", PhaseSolicitation), deadline,
			want{is: ErrRoundClosedToNeeds, reason: "ROUND_NOT_OPEN_FOR_NEEDS"}, "", time.Time{}},
		{"shortlisting", recorded, round("r1", PhaseShortlisting), t0, want{is: ErrRoundClosedToNeeds}, "", time.Time{}},
		{"closed", recorded, round("r1", PhaseClosed), t0, want{is: ErrRoundClosedToNeeds}, "", time.Time{}},
		{"again with the same round changes nothing", published, round("r1", PhaseSolicitation), t0, want{}, "r1", t0.Add(-30 * time.Minute)},
		{"again with the same round after its deadline changes nothing", published, round("r1", PhaseShortlisting), deadline.Add(time.Hour), want{}, "r1", t0.Add(-30 * time.Minute)},
		{"with another round", published, round("r2", PhaseDraft), t0,
			want{is: ErrNeedPublishedElsewhere, reason: "NEED_PUBLISHED_WITH_ANOTHER_ROUND"}, "r1", t0.Add(-30 * time.Minute)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.need
			checkErr(t, n.Publish(tc.round, tc.now), tc.want)
			if n.RoundID != tc.wantRound || !n.PublishedAt.Equal(tc.wantAt) {
				t.Errorf("need %+v: round %q at %v, want %q at %v", n, n.RoundID, n.PublishedAt, tc.wantRound, tc.wantAt)
			}
			if wantState := map[bool]NeedState{true: NeedPublished, false: NeedRecorded}[tc.wantRound != ""]; n.State != wantState {
				t.Errorf("state %s, want %s", n.State, wantState)
			}
		})
	}
}

// A need becomes public with its round; its publish time is the later of its own publication and the round's.
func TestNeedPublishTime(t *testing.T) {
	t1, t2 := t0.Add(time.Hour), t0.Add(2*time.Hour)
	tests := []struct {
		name   string
		n      Need
		public bool
		at     time.Time
	}{
		{"recorded", Need{State: NeedRecorded}, false, time.Time{}},
		{"published with a draft round", Need{State: NeedPublished, RoundID: "r", PublishedAt: t1, RoundPhase: PhaseDraft}, false, time.Time{}},
		{"published before the round", Need{State: NeedPublished, RoundID: "r", PublishedAt: t1, RoundPhase: PhaseSolicitation, RoundPublishedAt: t2}, true, t2},
		{"published after the round", Need{State: NeedPublished, RoundID: "r", PublishedAt: t2, RoundPhase: PhaseSolicitation, RoundPublishedAt: t1}, true, t2},
		{"round long past solicitation", Need{State: NeedPublished, RoundID: "r", PublishedAt: t1, RoundPhase: PhaseClosed, RoundPublishedAt: t0}, true, t1},
	}
	for _, tc := range tests {
		if tc.n.Public() != tc.public || !tc.n.PublishTime().Equal(tc.at) {
			t.Errorf("%s: public %v at %v, want %v at %v", tc.name, tc.n.Public(), tc.n.PublishTime(), tc.public, tc.at)
		}
	}
}

func TestChooseNeeds(t *testing.T) {
	found := map[string]Need{
		"n1": {ID: "n1", Title: "助餐", State: NeedPublished, RoundID: "r1", CommunityCode: "c1"},
		"n2": {ID: "n2", Title: "课后辅导", State: NeedPublished, RoundID: "r1"},
		"n3": {ID: "n3", Title: "其它届", State: NeedPublished, RoundID: "r2"},
		"n4": {ID: "n4", Title: "未发布", State: NeedRecorded},
	}
	tests := []struct {
		name string
		ids  []string
		want want
		refs []string
	}{
		{"none", nil, want{}, nil},
		{"in the order asked", []string{"n2", "n1"}, want{}, []string{"课后辅导", "助餐"}},
		{"of another round", []string{"n1", "n3"}, want{is: ErrNeedNotInRound, reason: "NEED_NOT_IN_ROUND", field: "need_ids[1]"}, nil},
		{"not published", []string{"n4"}, want{is: ErrNeedNotInRound, field: "need_ids[0]"}, nil},
		{"unknown", []string{"nx"}, want{is: ErrNeedNotInRound, field: "need_ids[0]"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			refs, err := ChooseNeeds(tc.ids, found, "r1")
			checkErr(t, err, tc.want)
			var got []string
			for _, r := range refs {
				got = append(got, r.Title)
			}
			if strings.Join(got, ",") != strings.Join(tc.refs, ",") {
				t.Errorf("chose %v, want %v", got, tc.refs)
			}
		})
	}
}
