// Package pbconv holds the small conversions every service's API layer makes between proto and domain values.
package pbconv

import (
	"strings"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Timestamp converts a time, the zero time becoming an absent timestamp.
func Timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// Enum is a generated proto enum.
type Enum interface {
	~int32
	protoreflect.Enum
}

// EnumName is an enum value's name without its type prefix (PHASE_DRAFT → DRAFT); the zero (UNSPECIFIED)
// value and unknown numbers give "".
func EnumName[E Enum](e E, prefix string) string {
	if e == 0 {
		return ""
	}
	v := e.Descriptor().Values().ByNumber(e.Number())
	if v == nil {
		return ""
	}
	return strings.TrimPrefix(string(v.Name()), prefix)
}
