package pbconv

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/structpb"
)

func TestTimestamp(t *testing.T) {
	if Timestamp(time.Time{}) != nil {
		t.Error("zero time gives a timestamp")
	}
	now := time.Date(2026, 5, 1, 8, 0, 0, 5, time.UTC)
	if got := Timestamp(now).AsTime(); !got.Equal(now) {
		t.Errorf("Timestamp(%v) = %v", now, got)
	}
}

func TestEnumName(t *testing.T) {
	// structpb.NullValue is the only enum in the well-known types: NULL_VALUE = 0.
	if got := EnumName(structpb.NullValue_NULL_VALUE, "NULL_"); got != "" {
		t.Errorf("zero value gives %q, want empty", got)
	}
	if got := EnumName(descriptorpb.FieldDescriptorProto_TYPE_STRING, "TYPE_"); got != "STRING" {
		t.Errorf("TYPE_STRING gives %q, want STRING", got)
	}
	if got := EnumName(structpb.NullValue(7), ""); got != "" {
		t.Errorf("unknown number gives %q, want empty", got)
	}
}
