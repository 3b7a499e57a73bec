package domain

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
)

func TestAnomalyThresholdsOf(t *testing.T) {
	type in struct{ network, burst, window, newAge, newVotes int }
	for _, tt := range []struct {
		name      string
		in        in
		want      AnomalyThresholds
		wantField string // "" when valid
	}{
		{"all defaults", in{}, AnomalyThresholds{MinNetworkVoters: 20, MinBurstVotes: 100, BurstWindow: 60 * time.Second, NewVoterAge: 600 * time.Second, MinNewVoterVotes: 50}, ""},
		{"all set", in{3, 5, 10, 120, 4}, AnomalyThresholds{MinNetworkVoters: 3, MinBurstVotes: 5, BurstWindow: 10 * time.Second, NewVoterAge: 120 * time.Second, MinNewVoterVotes: 4}, ""},
		{"some set", in{burst: 7}, AnomalyThresholds{MinNetworkVoters: 20, MinBurstVotes: 7, BurstWindow: 60 * time.Second, NewVoterAge: 600 * time.Second, MinNewVoterVotes: 50}, ""},
		{"largest", in{1_000_000, 1_000_000, 86_400, 604_800, 1_000_000}, AnomalyThresholds{MinNetworkVoters: 1_000_000, MinBurstVotes: 1_000_000, BurstWindow: 24 * time.Hour, NewVoterAge: 7 * 24 * time.Hour, MinNewVoterVotes: 1_000_000}, ""},
		{"negative network voters", in{network: -1}, AnomalyThresholds{}, "min_network_voters"},
		{"negative burst votes", in{burst: -5}, AnomalyThresholds{}, "min_burst_votes"},
		{"negative window", in{window: -60}, AnomalyThresholds{}, "burst_window_seconds"},
		{"negative new voter age", in{newAge: -1}, AnomalyThresholds{}, "new_voter_seconds"},
		{"negative new voter votes", in{newVotes: -1}, AnomalyThresholds{}, "min_new_voter_votes"},
		{"window over a day", in{window: 86_401}, AnomalyThresholds{}, "burst_window_seconds"},
		{"new voter age over a week", in{newAge: 604_801}, AnomalyThresholds{}, "new_voter_seconds"},
		{"count over a million", in{network: 1_000_001}, AnomalyThresholds{}, "min_network_voters"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AnomalyThresholdsOf(tt.in.network, tt.in.burst, tt.in.window, tt.in.newAge, tt.in.newVotes)
			if tt.wantField != "" {
				e, ok := errs.As(err)
				if !errors.Is(err, ErrInvalidThreshold) || !ok || e.Kind != errs.InvalidArgument || len(e.Violations) != 1 || e.Violations[0].Field != tt.wantField {
					t.Fatalf("err = %v, want INVALID_THRESHOLD on %s", err, tt.wantField)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestDescribeAnomaly(t *testing.T) {
	th := DefaultAnomalyThresholds
	start := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		a    VoteAnomaly
		want string
	}{
		{VoteAnomaly{Kind: AnomalyNetworkCluster, Network: "203.0.113.0/24", Voters: 42, Votes: 57, WindowStart: start, WindowEnd: start.Add(time.Hour)},
			"42 voters from 203.0.113.0/24 cast 57 votes between 2026-05-01 09:00:00Z and 2026-05-01 10:00:00Z"},
		{VoteAnomaly{Kind: AnomalyNetworkCluster, Network: "2001:db8:1:2::/64", ApplicationID: "app-1", Voters: 21, Votes: 21, WindowStart: start, WindowEnd: start},
			"21 voters from 2001:db8:1:2::/64 cast 21 votes between 2026-05-01 09:00:00Z and 2026-05-01 09:00:00Z, most of them for application app-1"},
		{VoteAnomaly{Kind: AnomalyBurst, ApplicationID: "app-1", Voters: 1, Votes: 120, WindowStart: start, WindowEnd: start.Add(time.Minute)},
			"120 votes by 1 voter for application app-1 within 60 s from 2026-05-01 09:00:00Z"},
		{VoteAnomaly{Kind: AnomalyNewVoters, ApplicationID: "app-2", Voters: 55, Votes: 55, WindowStart: start, WindowEnd: start.Add(time.Hour)},
			"55 votes for application app-2 in the hour from 2026-05-01 09:00:00Z by 55 voters created at most 600 s before voting"},
	} {
		if got := tt.a.Describe(th); got != tt.want {
			t.Errorf("Describe(%s) =\n %q\nwant\n %q", tt.a.Kind, got, tt.want)
		}
	}
}

func TestSortAnomalies(t *testing.T) {
	start := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	as := []VoteAnomaly{
		{Kind: AnomalyNewVoters, ApplicationID: "a", Votes: 50, Voters: 50, WindowStart: start},
		{Kind: AnomalyBurst, ApplicationID: "b", Votes: 120, Voters: 3, WindowStart: start},
		{Kind: AnomalyNetworkCluster, Network: "198.51.100.0/24", Votes: 50, Voters: 50, WindowStart: start},
		{Kind: AnomalyBurst, ApplicationID: "a", Votes: 120, Voters: 9, WindowStart: start.Add(time.Minute)},
		{Kind: AnomalyBurst, ApplicationID: "a", Votes: 120, Voters: 9, WindowStart: start},
		{Kind: AnomalyNetworkCluster, Network: "203.0.113.0/24", Votes: 50, Voters: 50, WindowStart: start},
	}
	SortAnomalies(as)
	var got []string
	for _, a := range as {
		got = append(got, fmt.Sprintf("%s/%s%s/%d/%d/%s", a.Kind, a.Network, a.ApplicationID, a.Votes, a.Voters, a.WindowStart.Format("15:04")))
	}
	want := []string{
		"BURST/a/120/9/09:00",
		"BURST/a/120/9/09:01",
		"BURST/b/120/3/09:00",
		"NETWORK_CLUSTER/198.51.100.0/24/50/50/09:00",
		"NETWORK_CLUSTER/203.0.113.0/24/50/50/09:00",
		"NEW_VOTERS/a/50/50/09:00",
	}
	if !slices.Equal(got, want) {
		t.Errorf("order =\n %s\nwant\n %s", strings.Join(got, "\n "), strings.Join(want, "\n "))
	}
}

func TestVoidRequest(t *testing.T) {
	const a, b = "0b9e8a52-6f0e-4a8e-9b5b-5d0f2d1e9a01", "0b9e8a52-6f0e-4a8e-9b5b-5d0f2d1e9a02"
	many := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		}
		return out
	}
	for _, tt := range []struct {
		name       string
		ids        []string
		reason     string
		wantIDs    []string
		wantReason string
		wantErr    *errs.Error
		wantField  string
	}{
		{"one", []string{a}, "stuffed", []string{a}, "stuffed", nil, ""},
		{"repeats named once, case folded, reason trimmed", []string{a, b, strings.ToUpper(a)}, "  stuffed \n", []string{a, b}, "stuffed", nil, ""},
		{"the most", many(MaxVoidVotes), "r", many(MaxVoidVotes), "r", nil, ""},
		{"none", nil, "r", nil, "", ErrInvalidVoteIDs, "vote_ids"},
		{"too many", many(MaxVoidVotes + 1), "r", nil, "", ErrInvalidVoteIDs, "vote_ids"},
		{"malformed", []string{a, "nope"}, "r", nil, "", errs.ErrInvalidID, "vote_ids[1]"},
		{"braced form", []string{"{" + a + "}"}, "r", nil, "", errs.ErrInvalidID, "vote_ids[0]"},
		{"no reason", []string{a}, "  ", nil, "", ErrReasonRequired, "reason"},
		{"reason of 2,000 characters", []string{a}, strings.Repeat("é", 2000), []string{a}, strings.Repeat("é", 2000), nil, ""},
		{"reason too long", []string{a}, strings.Repeat("x", 2001), nil, "", ErrVoidReasonTooLong, "reason"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			gotIDs, gotReason, err := VoidRequest(tt.ids, tt.reason)
			if tt.wantErr != nil {
				e, ok := errs.As(err)
				if !errors.Is(err, tt.wantErr) || !ok || e.Kind != errs.InvalidArgument || len(e.Violations) == 0 || e.Violations[0].Field != tt.wantField {
					t.Fatalf("err = %v, want %s on %s", err, tt.wantErr.Reason, tt.wantField)
				}
				return
			}
			if err != nil || !slices.Equal(gotIDs, tt.wantIDs) || gotReason != tt.wantReason {
				t.Fatalf("got %d IDs, %q, %v; want %d IDs, %q", len(gotIDs), gotReason, err, len(tt.wantIDs), tt.wantReason)
			}
		})
	}
}

func TestVoidsAllowed(t *testing.T) {
	for _, tt := range []struct {
		state ResultsState
		ok    bool
	}{
		{"", true}, {ResultsComputed, true}, {ResultsApproved, false}, {ResultsSignedOff, false},
	} {
		err := VoidsAllowed(tt.state)
		if tt.ok != (err == nil) || !tt.ok && (!errors.Is(err, ErrVoidResultsApproved) || err.(*errs.Error).Kind != errs.FailedPrecondition) {
			t.Errorf("VoidsAllowed(%q) = %v", tt.state, err)
		}
	}
}
