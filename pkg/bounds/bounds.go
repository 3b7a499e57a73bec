// Package bounds enforces the maxima the API documents: every string, bytes, repeated and map field of a
// request carries an OpenAPI option (grpc.gateway.protoc_gen_openapiv2.options.openapiv2_field) with
// max_length (characters, counted as Unicode code points like JSON Schema's maxLength; bytes for bytes
// fields; for a repeated field, of each item), max_items (items of a list) or max_properties (entries of a
// map). The server interceptor walks every request (nested messages, lists and maps) and refuses the first
// value over its maximum with INVALID_ARGUMENT, reason FIELD_TOO_LONG or TOO_MANY_ITEMS, and a field
// violation naming the field's path, e.g. "budget_items[3].name", before the handler runs.
package bounds

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2/options"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/grpcerr"
)

// MaxMapKey bounds the string keys of a map field, in characters (the OpenAPI document gives a map's
// max_properties only; its keys are codes such as rubric criterion names).
const MaxMapKey = 64

var (
	// ErrFieldTooLong refuses a string or bytes value longer than its field's documented max_length.
	ErrFieldTooLong = errs.New(errs.InvalidArgument, "FIELD_TOO_LONG", "a field is longer than its documented maximum")
	// ErrTooManyItems refuses a list or map with more entries than its field's documented max_items
	// (max_properties for a map).
	ErrTooManyItems = errs.New(errs.InvalidArgument, "TOO_MANY_ITEMS", "a list has more items than its documented maximum")
)

// Limits are a field's documented maxima; zero means none.
type Limits struct {
	MaxLength     uint64
	MaxItems      uint64
	MaxProperties uint64
}

// Bounded reports whether any maximum is set.
func (l Limits) Bounded() bool { return l.MaxLength > 0 || l.MaxItems > 0 || l.MaxProperties > 0 }

// Of returns the maxima a field's OpenAPI option documents.
func Of(fd protoreflect.FieldDescriptor) Limits {
	opts := fd.Options()
	if opts == nil || !proto.HasExtension(opts, options.E_Openapiv2Field) {
		return Limits{}
	}
	s, _ := proto.GetExtension(opts, options.E_Openapiv2Field).(*options.JSONSchema)
	return Limits{MaxLength: s.GetMaxLength(), MaxItems: s.GetMaxItems(), MaxProperties: s.GetMaxProperties()}
}

// UnaryServerInterceptor refuses a request with a value over its documented maximum before the handler runs.
func UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if m, ok := req.(proto.Message); ok {
			if err := Check(m); err != nil {
				return nil, grpcerr.FromError(err).Err()
			}
		}
		return handler(ctx, req)
	}
}

// StreamServerInterceptor checks every message a client streams in the same way.
func StreamServerInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return handler(srv, checkedStream{ss})
	}
}

type checkedStream struct{ grpc.ServerStream }

func (s checkedStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if pm, ok := m.(proto.Message); ok {
		if err := Check(pm); err != nil {
			return grpcerr.FromError(err).Err()
		}
	}
	return nil
}

// Check returns the first value of m over its documented maximum (fields in declaration order, list items
// in order, map entries by key), or nil.
func Check(m proto.Message) *errs.Error {
	if m == nil {
		return nil
	}
	return check(m.ProtoReflect(), "")
}

// field is a field Check has to look at: bounded, or a message that may hold bounded fields.
type field struct {
	fd     protoreflect.FieldDescriptor
	limits Limits
}

// plans caches, per message descriptor, the fields to look at.
var plans sync.Map // protoreflect.MessageDescriptor → []field

func planOf(md protoreflect.MessageDescriptor) []field {
	if p, ok := plans.Load(md); ok {
		return p.([]field)
	}
	var p []field
	fs := md.Fields()
	for i := 0; i < fs.Len(); i++ {
		fd := fs.Get(i)
		l := Of(fd)
		sub := fd.Message()
		if fd.IsMap() {
			sub = fd.MapValue().Message()
		}
		if l.Bounded() || fd.IsMap() || (sub != nil && mayBeBounded(sub, map[protoreflect.FullName]bool{})) {
			p = append(p, field{fd: fd, limits: l})
		}
	}
	plans.Store(md, p)
	return p
}

// mayBeBounded reports whether a message of type md can hold a bounded field (a recursive type: yes).
func mayBeBounded(md protoreflect.MessageDescriptor, seen map[protoreflect.FullName]bool) bool {
	if seen[md.FullName()] {
		return true
	}
	seen[md.FullName()] = true
	fs := md.Fields()
	for i := 0; i < fs.Len(); i++ {
		fd := fs.Get(i)
		if fd.IsMap() || Of(fd).Bounded() {
			return true
		}
		if fd.Message() != nil && mayBeBounded(fd.Message(), seen) {
			return true
		}
	}
	return false
}

func check(m protoreflect.Message, prefix string) *errs.Error {
	for _, f := range planOf(m.Descriptor()) {
		if !m.Has(f.fd) {
			continue
		}
		path := prefix + string(f.fd.Name())
		v := m.Get(f.fd)
		switch {
		case f.fd.IsList():
			l := v.List()
			if f.limits.MaxItems > 0 && uint64(l.Len()) > f.limits.MaxItems {
				return ErrTooManyItems.Field(path, fmt.Sprintf("at most %d items, not %d", f.limits.MaxItems, l.Len()))
			}
			for i := 0; i < l.Len(); i++ {
				if err := checkValue(f.fd, f.limits.MaxLength, l.Get(i), path+"["+strconv.Itoa(i)+"]"); err != nil {
					return err
				}
			}
		case f.fd.IsMap():
			mp := v.Map()
			if f.limits.MaxProperties > 0 && uint64(mp.Len()) > f.limits.MaxProperties {
				return ErrTooManyItems.Field(path, fmt.Sprintf("at most %d entries, not %d", f.limits.MaxProperties, mp.Len()))
			}
			keys := make([]protoreflect.MapKey, 0, mp.Len())
			mp.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool { keys = append(keys, k); return true })
			slices.SortFunc(keys, func(a, b protoreflect.MapKey) int { return compareKeys(a, b) })
			for _, k := range keys {
				entry := path + "[" + k.String() + "]"
				if s, ok := k.Interface().(string); ok && !within(s, MaxMapKey) {
					return ErrFieldTooLong.Field(path, fmt.Sprintf("a key is at most %d characters", MaxMapKey))
				}
				if err := checkValue(f.fd.MapValue(), f.limits.MaxLength, mp.Get(k), entry); err != nil {
					return err
				}
			}
		default:
			if err := checkValue(f.fd, f.limits.MaxLength, v, path); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkValue checks one value (a singular field's, a list item or a map value) of the field's kind.
func checkValue(fd protoreflect.FieldDescriptor, maxLen uint64, v protoreflect.Value, path string) *errs.Error {
	switch fd.Kind() {
	case protoreflect.StringKind:
		if maxLen > 0 && !within(v.String(), maxLen) {
			return ErrFieldTooLong.Field(path, fmt.Sprintf("at most %d characters", maxLen))
		}
	case protoreflect.BytesKind:
		if maxLen > 0 && uint64(len(v.Bytes())) > maxLen {
			return ErrFieldTooLong.Field(path, fmt.Sprintf("at most %d bytes", maxLen))
		}
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return check(v.Message(), path+".")
	}
	return nil
}

// within reports whether s has at most n Unicode code points (an invalid byte counts as one).
func within(s string, n uint64) bool {
	if uint64(len(s)) <= n {
		return true
	}
	return uint64(utf8.RuneCountInString(s)) <= n
}

func compareKeys(a, b protoreflect.MapKey) int {
	switch x := a.Interface().(type) {
	case string:
		y := b.Interface().(string)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case bool:
		if x == b.Bool() {
			return 0
		} else if !x {
			return -1
		}
		return 1
	case int32, int64:
		return cmpInt(a.Int(), b.Int())
	default:
		return cmpUint(a.Uint(), b.Uint())
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
