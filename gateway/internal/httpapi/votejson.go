package httpapi

import (
	"bytes"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/reflect/protoreflect"

	reviewsv1 "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
)

// voteMarshaler writes a vote — the answer of every vote request, the gateway's busiest route — without
// protojson, whose reflection over the message was the largest single cost of answering a vote. The JSON is
// protojson's (EmitDefaultValues, the JSON field names, the Timestamp as RFC 3339 in UTC with 0, 3, 6 or 9
// fractional digits, a cast_time that is not set left out), so the answer parses the same; a vote whose text
// would need escaping or whose time protojson would refuse goes to protojson, as does everything else.
// voteFields guards the shape: if reviews.v1.Vote ever has fields other than the ones written here, the
// fast path is off (and TestVoteJSONMatchesProtojson fails until it is updated).
type voteMarshaler struct {
	runtime.Marshaler
}

// voteFields are reviews.v1.Vote's fields as appendVoteJSON writes them: number, JSON name, kind.
var voteFields = []struct {
	number protoreflect.FieldNumber
	json   string
	kind   protoreflect.Kind
}{
	{1, "id", protoreflect.StringKind},
	{2, "roundId", protoreflect.StringKind},
	{3, "applicationId", protoreflect.StringKind},
	{4, "voteDay", protoreflect.StringKind},
	{5, "castTime", protoreflect.MessageKind},
	{6, "clientNetwork", protoreflect.StringKind},
}

// voteFast tells whether reviews.v1.Vote is the message appendVoteJSON knows.
var voteFast = func() bool {
	fields := (&reviewsv1.Vote{}).ProtoReflect().Descriptor().Fields()
	if fields.Len() != len(voteFields) {
		return false
	}
	for i, want := range voteFields {
		f := fields.Get(i)
		if f.Number() != want.number || f.JSONName() != want.json || f.Kind() != want.kind || f.Cardinality() != protoreflect.Optional ||
			f.HasPresence() != (want.kind == protoreflect.MessageKind) ||
			want.kind == protoreflect.MessageKind && f.Message().FullName() != "google.protobuf.Timestamp" {
			return false
		}
	}
	return true
}()

// Marshal writes a vote directly and anything else with the wrapped marshaler.
func (m voteMarshaler) Marshal(v any) ([]byte, error) {
	if vote, ok := v.(*reviewsv1.Vote); ok && voteFast && vote != nil {
		if out, ok := appendVoteJSON(make([]byte, 0, 256), vote); ok {
			return out, nil
		}
	}
	return m.Marshaler.Marshal(v)
}

// The range of a google.protobuf.Timestamp protojson writes: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
const (
	minTimestampSeconds = -62135596800
	maxTimestampSeconds = 253402300799
)

// appendVoteJSON appends v's JSON to out; false when it must be left to protojson.
func appendVoteJSON(out []byte, v *reviewsv1.Vote) ([]byte, bool) {
	ok := true
	str := func(name, s string, first bool) {
		if !first {
			out = append(out, ',')
		}
		out = append(out, '"')
		out = append(out, name...)
		out = append(out, `":"`...)
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
				ok = false // escaping (or UTF-8 validation) is protojson's
				return
			}
		}
		out = append(out, s...)
		out = append(out, '"')
	}
	out = append(out, '{')
	str("id", v.GetId(), true)
	str("roundId", v.GetRoundId(), false)
	str("applicationId", v.GetApplicationId(), false)
	str("voteDay", v.GetVoteDay(), false)
	if t := v.GetCastTime(); t != nil {
		secs, nanos := t.GetSeconds(), t.GetNanos()
		if secs < minTimestampSeconds || secs > maxTimestampSeconds || nanos < 0 || nanos >= 1e9 {
			return nil, false
		}
		out = append(out, `,"castTime":"`...)
		out = time.Unix(secs, int64(nanos)).UTC().AppendFormat(out, "2006-01-02T15:04:05.000000000")
		for range 2 {
			out, _ = bytes.CutSuffix(out, []byte("000"))
		}
		out, _ = bytes.CutSuffix(out, []byte(".000"))
		out = append(out, `Z"`...)
	}
	str("clientNetwork", v.GetClientNetwork(), false)
	out = append(out, '}')
	return out, ok
}
