package httpapi

import (
	"encoding/json"
	"reflect"
	"testing"

	"google.golang.org/protobuf/types/known/timestamppb"

	reviewsv1 "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
)

// A vote's answer written without protojson is protojson's answer: the same JSON object for votes with and
// without a cast time, at every precision protojson distinguishes, and with empty fields; votes the fast
// path leaves alone (text to escape, a time out of protojson's range) still get protojson's answer or error.
func TestVoteJSONMatchesProtojson(t *testing.T) {
	if !voteFast {
		t.Fatal("reviews.v1.Vote no longer has the fields voteMarshaler writes: update voteFields and appendVoteJSON")
	}
	plain, fast := jsonMarshaler(), voteMarshaler{jsonMarshaler()}
	at := func(secs int64, nanos int32) *timestamppb.Timestamp {
		return &timestamppb.Timestamp{Seconds: secs, Nanos: nanos}
	}
	full := func(ts *timestamppb.Timestamp) *reviewsv1.Vote {
		return &reviewsv1.Vote{Id: "0b7c8f0e-4d0a-4d55-9a3b-5d1f0c2a9e11", RoundId: "1b7c8f0e-4d0a-4d55-9a3b-5d1f0c2a9e11",
			ApplicationId: "2b7c8f0e-4d0a-4d55-9a3b-5d1f0c2a9e11", VoteDay: "2026-05-04", CastTime: ts, ClientNetwork: "203.0.113.0/24"}
	}
	cases := map[string]*reviewsv1.Vote{
		"whole seconds":   full(at(1_777_000_000, 0)),
		"milliseconds":    full(at(1_777_000_000, 120_000_000)),
		"microseconds":    full(at(1_777_000_000, 123_400)),
		"nanoseconds":     full(at(1_777_000_000, 123_456_789)),
		"epoch":           full(at(0, 0)),
		"year 1":          full(at(minTimestampSeconds, 0)),
		"year 9999":       full(at(maxTimestampSeconds, 999_999_999)),
		"no cast time":    full(nil),
		"empty":           {},
		"IPv6 network":    {Id: "x", ClientNetwork: "2001:db8:1:2::/64"},
		"text to escape":  {Id: "a\"b\\c\nd", VoteDay: "日"},
		"invalid UTF-8":   {Id: "\xff"},
		"time too late":   full(at(maxTimestampSeconds+1, 0)),
		"negative nanos":  full(at(5, -1)),
		"nanos too large": full(at(5, 1_000_000_000)),
	}
	for name, v := range cases {
		want, wantErr := plain.Marshal(v)
		got, gotErr := fast.Marshal(v)
		if (wantErr != nil) != (gotErr != nil) {
			t.Errorf("%s: error %v, protojson's %v", name, gotErr, wantErr)
			continue
		}
		if wantErr != nil {
			continue
		}
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Errorf("%s: %s is not JSON: %v", name, got, err)
			continue
		}
		json.Unmarshal(want, &w)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
	// The common vote takes the fast path.
	if out, ok := appendVoteJSON(nil, full(at(1_777_000_000, 120_000_000))); !ok || len(out) == 0 {
		t.Error("a plain vote is not written by appendVoteJSON")
	}
}

func BenchmarkVoteJSON(b *testing.B) {
	v := &reviewsv1.Vote{Id: "0b7c8f0e-4d0a-4d55-9a3b-5d1f0c2a9e11", RoundId: "1b7c8f0e-4d0a-4d55-9a3b-5d1f0c2a9e11",
		ApplicationId: "2b7c8f0e-4d0a-4d55-9a3b-5d1f0c2a9e11", VoteDay: "2026-05-04", CastTime: timestamppb.Now(), ClientNetwork: "203.0.113.0/24"}
	for name, m := range map[string]interface{ Marshal(any) ([]byte, error) }{"protojson": jsonMarshaler(), "fast": voteMarshaler{jsonMarshaler()}} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Marshal(v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
