package domain

import (
	"strings"
	"testing"
	"time"
)

func TestNewCommunity(t *testing.T) {
	long := strings.Repeat("社", 101)
	tests := []struct {
		name                         string
		code, cname, sub, district   string
		want                         want
		wantCode, wantName, wantDist string
	}{
		{"statistical code", "610502001001", "杜桥社区", "杜桥街道", "临渭区", want{}, "610502001001", "杜桥社区", "临渭区"},
		{"letters, digits, hyphens, trimmed", " DQ-01 ", " 杜桥社区 ", "杜桥街道", " 临渭区 ", want{}, "DQ-01", "杜桥社区", "临渭区"},
		{"32 characters", strings.Repeat("a", 32), "n", "s", "d", want{}, strings.Repeat("a", 32), "n", "d"},
		{"33 characters", strings.Repeat("a", 33), "n", "s", "d", want{reason: "INVALID_COMMUNITY_CODE", field: "community.code"}, "", "", ""},
		{"empty code", "", "n", "s", "d", want{reason: "INVALID_COMMUNITY_CODE", field: "community.code"}, "", "", ""},
		{"space inside", "DQ 01", "n", "s", "d", want{reason: "INVALID_COMMUNITY_CODE"}, "", "", ""},
		{"underscore", "DQ_01", "n", "s", "d", want{reason: "INVALID_COMMUNITY_CODE"}, "", "", ""},
		{"Chinese code", "杜桥", "n", "s", "d", want{reason: "INVALID_COMMUNITY_CODE"}, "", "", ""},
		{"no name", "c1", " ", "s", "d", want{reason: "COMMUNITY_FIELD_REQUIRED", field: "community.name"}, "", "", ""},
		{"no sub-district", "c1", "n", "", "d", want{reason: "COMMUNITY_FIELD_REQUIRED", field: "community.sub_district"}, "", "", ""},
		{"no district", "c1", "n", "s", "", want{reason: "COMMUNITY_FIELD_REQUIRED", field: "community.district"}, "", "", ""},
		{"name of 100 characters", "c1", long[:len("社")*100], "s", "d", want{}, "c1", long[:len("社")*100], "d"},
		{"name of 101 characters", "c1", long, "s", "d", want{reason: "COMMUNITY_FIELD_TOO_LONG", field: "community.name"}, "", "", ""},
		{"district of 101 characters", "c1", "n", "s", long, want{reason: "COMMUNITY_FIELD_TOO_LONG", field: "community.district"}, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewCommunity(tc.code, tc.cname, tc.sub, tc.district, t0)
			checkErr(t, err, tc.want)
			if c.Code != tc.wantCode || c.Name != tc.wantName || c.District != tc.wantDist {
				t.Errorf("community %+v", c)
			}
			if err == nil && (c.Version != 1 || c.Retired || !c.CreatedAt.Equal(t0) || !c.UpdatedAt.Equal(t0)) {
				t.Errorf("new community %+v", c)
			}
		})
	}
}

func TestEditCommunity(t *testing.T) {
	t1 := t0.Add(time.Hour)
	yes, no := true, false
	base := Community{Code: "c1", Name: "杜桥社区", SubDistrict: "杜桥街道", District: "临渭区", Version: 3, CreatedAt: t0, UpdatedAt: t0}
	tests := []struct {
		name    string
		from    Community
		change  CommunityChange
		want    want
		wantC   Community
		changed bool
	}{
		{"nothing given", base, CommunityChange{}, want{}, base, false},
		{"same values", base, CommunityChange{Name: "杜桥社区", Retired: &no}, want{}, base, false},
		{"rename", base, CommunityChange{Name: " 新杜桥社区 "}, want{}, with(base, func(c *Community) { c.Name = "新杜桥社区" }), true},
		{"move", base, CommunityChange{SubDistrict: "向阳街道", District: "华州区"}, want{},
			with(base, func(c *Community) { c.SubDistrict, c.District = "向阳街道", "华州区" }), true},
		{"retire", base, CommunityChange{Retired: &yes}, want{}, with(base, func(c *Community) { c.Retired = true }), true},
		{"reinstate", with(base, func(c *Community) { c.Retired = true }), CommunityChange{Retired: &no}, want{}, base, true},
		{"name too long", base, CommunityChange{Name: strings.Repeat("名", 101)}, want{reason: "COMMUNITY_FIELD_TOO_LONG", field: "name"}, base, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.from
			checkErr(t, c.Edit(tc.change, t1), tc.want)
			want := tc.wantC
			if tc.changed {
				want.UpdatedAt = t1
			}
			if c != want {
				t.Errorf("edited %+v, want %+v", c, want)
			}
		})
	}
}

func with(c Community, f func(*Community)) Community {
	f(&c)
	return c
}

func TestChooseCommunities(t *testing.T) {
	listed := map[string]Community{
		"a": {Code: "a", Name: "A社区", SubDistrict: "甲街道", District: "临渭区"},
		"b": {Code: "b", Name: "B社区", SubDistrict: "乙街道", District: "华州区"},
		"r": {Code: "r", Name: "R社区", SubDistrict: "甲街道", District: "临渭区", Retired: true},
	}
	tests := []struct {
		name  string
		codes []string
		kept  []string
		want  want
		refs  []string
	}{
		{"none", nil, nil, want{}, nil},
		{"in the order asked", []string{"b", "a"}, nil, want{}, []string{"b", "a"}},
		{"unknown", []string{"a", "x"}, nil, want{is: ErrUnknownCommunity, reason: "UNKNOWN_COMMUNITY", field: "community_codes[1]"}, nil},
		{"retired, newly chosen", []string{"r"}, nil, want{is: ErrUnknownCommunity, field: "community_codes[0]"}, nil},
		{"retired, already chosen, stays", []string{"a", "r"}, []string{"r"}, want{}, []string{"a", "r"}},
		{"kept does not make an unknown code known", []string{"x"}, []string{"x"}, want{is: ErrUnknownCommunity}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			refs, err := ChooseCommunities(tc.codes, listed, tc.kept)
			checkErr(t, err, tc.want)
			var got []string
			for _, r := range refs {
				got = append(got, r.Code)
				if r != listed[r.Code].Ref() {
					t.Errorf("reference %+v of %+v", r, listed[r.Code])
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.refs, ",") {
				t.Errorf("chose %v, want %v", got, tc.refs)
			}
		})
	}
	// The refusal names the code.
	_, err := ChooseCommunities([]string{"r"}, listed, nil)
	if err == nil || !strings.Contains(err.Error(), `"r"`) || !strings.Contains(err.Error(), "retired") {
		t.Errorf("refusal %v does not name the retired code", err)
	}
}

func TestHomeDistrictShare(t *testing.T) {
	refs := func(districts ...string) []CommunityRef {
		var out []CommunityRef
		for _, d := range districts {
			out = append(out, CommunityRef{District: d})
		}
		return out
	}
	tests := []struct {
		name      string
		c         []CommunityRef
		in, total int
	}{
		{"none", nil, 0, 0},
		{"all home", refs("临渭区", "临渭区"), 2, 2},
		{"two of three", refs("临渭区", "华州区", "临渭区"), 2, 3},
		{"none home", refs("华州区"), 0, 1},
		{"a district named alike is another district", refs("临渭区 ", "临渭"), 0, 2},
	}
	for _, tc := range tests {
		if in, total := HomeDistrictShare(tc.c, "临渭区"); in != tc.in || total != tc.total {
			t.Errorf("%s: %d of %d, want %d of %d", tc.name, in, total, tc.in, tc.total)
		}
	}
}
