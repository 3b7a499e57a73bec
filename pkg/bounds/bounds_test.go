package bounds

import (
	"context"
	"strings"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2/options"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// testFile declares
//
//	message Item { string name = 1 [max_length: 5]; bytes blob = 2 [max_length: 4]; }
//	message Req {
//	  string title = 1 [max_length: 3];
//	  repeated Item items = 2 [max_items: 2];
//	  repeated string tags = 3 [max_items: 3, max_length: 4];
//	  map<string, Item> by_key = 4 [max_properties: 2];
//	  Item one = 5;
//	  string free = 6;
//	}
func testFile(t *testing.T) protoreflect.FileDescriptor {
	t.Helper()
	opt := func(s *options.JSONSchema) *descriptorpb.FieldOptions {
		o := &descriptorpb.FieldOptions{}
		proto.SetExtension(o, options.E_Openapiv2Field, s)
		return o
	}
	str, byt, msg := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), descriptorpb.FieldDescriptorProto_TYPE_BYTES.Enum(), descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum()
	one, rep := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
	f := func(name string, n int32, label *descriptorpb.FieldDescriptorProto_Label, typ *descriptorpb.FieldDescriptorProto_Type, typeName string, o *descriptorpb.FieldOptions) *descriptorpb.FieldDescriptorProto {
		fd := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(n), Label: label, Type: typ, JsonName: proto.String(name), Options: o}
		if typeName != "" {
			fd.TypeName = proto.String(typeName)
		}
		return fd
	}
	fdp := &descriptorpb.FileDescriptorProto{
		Name: proto.String("boundstest/test.proto"), Package: proto.String("boundstest"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: proto.String("Item"), Field: []*descriptorpb.FieldDescriptorProto{
				f("name", 1, one, str, "", opt(&options.JSONSchema{MaxLength: 5})),
				f("blob", 2, one, byt, "", opt(&options.JSONSchema{MaxLength: 4})),
			}},
			{Name: proto.String("Req"), Field: []*descriptorpb.FieldDescriptorProto{
				f("title", 1, one, str, "", opt(&options.JSONSchema{MaxLength: 3})),
				f("items", 2, rep, msg, ".boundstest.Item", opt(&options.JSONSchema{MaxItems: 2})),
				f("tags", 3, rep, str, "", opt(&options.JSONSchema{MaxItems: 3, MaxLength: 4})),
				f("by_key", 4, rep, msg, ".boundstest.Req.ByKeyEntry", opt(&options.JSONSchema{MaxProperties: 2})),
				f("one", 5, one, msg, ".boundstest.Item", nil),
				f("free", 6, one, str, "", nil),
			}, NestedType: []*descriptorpb.DescriptorProto{{
				Name: proto.String("ByKeyEntry"), Options: &descriptorpb.MessageOptions{MapEntry: proto.Bool(true)},
				Field: []*descriptorpb.FieldDescriptorProto{f("key", 1, one, str, "", nil), f("value", 2, one, msg, ".boundstest.Item", nil)},
			}}},
		},
	}
	fd, err := protodesc.NewFile(fdp, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fd
}

func TestCheck(t *testing.T) {
	file := testFile(t)
	reqType, itemType := file.Messages().ByName("Req"), file.Messages().ByName("Item")
	item := func(name string, blob []byte) protoreflect.Value {
		m := dynamicpb.NewMessage(itemType)
		m.Set(itemType.Fields().ByName("name"), protoreflect.ValueOfString(name))
		if blob != nil {
			m.Set(itemType.Fields().ByName("blob"), protoreflect.ValueOfBytes(blob))
		}
		return protoreflect.ValueOfMessage(m)
	}
	req := func(build func(m *dynamicpb.Message, fs protoreflect.FieldDescriptors)) proto.Message {
		m := dynamicpb.NewMessage(reqType)
		build(m, reqType.Fields())
		return m
	}
	for _, c := range []struct {
		name          string
		msg           proto.Message
		reason, field string
	}{
		{"empty", req(func(*dynamicpb.Message, protoreflect.FieldDescriptors) {}), "", ""},
		{"title of 3 characters", req(func(m *dynamicpb.Message, fs protoreflect.FieldDescriptors) {
			m.Set(fs.ByName("title"), protoreflect.ValueOfString("题目名"))
		}), "", ""},
		{"title of 4 characters", req(func(m *dynamicpb.Message, fs protoreflect.FieldDescriptors) {
			m.Set(fs.ByName("title"), protoreflect.ValueOfString("abcd"))
		}), "FIELD_TOO_LONG", "title"},
		{"title of 4 Chinese characters", req(func(m *dynamicpb.Message, fs protoreflect.FieldDescriptors) {
			m.Set(fs.ByName("title"), protoreflect.ValueOfString("项目题目"))
		}), "FIELD_TOO_LONG", "title"},
		{"unbounded field", req(func(m *dynamicpb.Message, fs protoreflect.FieldDescriptors) {
			m.Set(fs.ByName("free"), protoreflect.ValueOfString(strings.Repeat("x", 100_000)))
		}), "", ""},
		{"two items", req(func(m *dynamicpb.Message, fs protoreflect.FieldDescriptors) {
			l := m.Mutable(fs.ByName("items")).List()
			l.Append(item("a", nil))
			l.Append(item("b", nil))
		}), "", ""},
		{"three items", req(func(m *dynamicpb.Message, fs protoreflect.FieldDescriptors) {
			l := m.Mutable(fs.ByName("items")).List()
			for range 3 {
				l.Append(item("a", nil))
			}
		}), "TOO_MANY_ITEMS", "items"},
		{"a long name in the second item", req(func(m *dynamicpb.Message, fs protoreflect.FieldDescriptors) {
			l := m.Mutable(fs.ByName("items")).List()
			l.Append(item("fine", nil))
			l.Append(item("sixsix", nil))
		}), "FIELD_TOO_LONG", "items[1].name"},
		{"bytes are counted in bytes", req(func(m *dynamicpb.Message, fs protoreflect.FieldDescriptors) {
			m.Set(fs.ByName("one"), item("", []byte("12345")))
		}), "FIELD_TOO_LONG", "one.blob"},
		{"four bytes", req(func(m *dynamicpb.Message, fs protoreflect.FieldDescriptors) {
			m.Set(fs.ByName("one"), item("五个汉字啊", []byte("1234")))
		}), "", ""},
		{"a long tag", req(func(m *dynamicpb.Message, fs protoreflect.FieldDescriptors) {
			l := m.Mutable(fs.ByName("tags")).List()
			l.Append(protoreflect.ValueOfString("ok"))
			l.Append(protoreflect.ValueOfString("12345"))
		}), "FIELD_TOO_LONG", "tags[1]"},
		{"four tags", req(func(m *dynamicpb.Message, fs protoreflect.FieldDescriptors) {
			l := m.Mutable(fs.ByName("tags")).List()
			for range 4 {
				l.Append(protoreflect.ValueOfString("t"))
			}
		}), "TOO_MANY_ITEMS", "tags"},
		{"three map entries", req(func(m *dynamicpb.Message, fs protoreflect.FieldDescriptors) {
			mp := m.Mutable(fs.ByName("by_key")).Map()
			for _, k := range []string{"a", "b", "c"} {
				mp.Set(protoreflect.ValueOfString(k).MapKey(), item("x", nil))
			}
		}), "TOO_MANY_ITEMS", "by_key"},
		{"a long name in a map value", req(func(m *dynamicpb.Message, fs protoreflect.FieldDescriptors) {
			mp := m.Mutable(fs.ByName("by_key")).Map()
			mp.Set(protoreflect.ValueOfString("k").MapKey(), item("toolong", nil))
		}), "FIELD_TOO_LONG", "by_key[k].name"},
		{"a long map key", req(func(m *dynamicpb.Message, fs protoreflect.FieldDescriptors) {
			mp := m.Mutable(fs.ByName("by_key")).Map()
			mp.Set(protoreflect.ValueOfString(strings.Repeat("k", MaxMapKey+1)).MapKey(), item("x", nil))
		}), "FIELD_TOO_LONG", "by_key"},
	} {
		err := Check(c.msg)
		switch {
		case c.reason == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.reason != "" && err == nil:
			t.Errorf("%s: accepted, want %s on %s", c.name, c.reason, c.field)
		case c.reason != "" && (err.Reason != c.reason || len(err.Violations) != 1 || err.Violations[0].Field != c.field):
			t.Errorf("%s: got %s %+v, want %s on %s", c.name, err.Reason, err.Violations, c.reason, c.field)
		}
	}
}

func TestUnaryServerInterceptor(t *testing.T) {
	file := testFile(t)
	reqType := file.Messages().ByName("Req")
	called := 0
	handler := func(context.Context, any) (any, error) { called++; return "done", nil }
	intercept := UnaryServerInterceptor()

	long := dynamicpb.NewMessage(reqType)
	long.Set(reqType.Fields().ByName("title"), protoreflect.ValueOfString("四个汉字"))
	_, err := intercept(context.Background(), long, &grpc.UnaryServerInfo{}, handler)
	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument || called != 0 {
		t.Fatalf("an oversized request: %v, handler called %d times", err, called)
	}
	var reason, field string
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			reason = d.GetReason()
		case *errdetails.BadRequest:
			field = d.GetFieldViolations()[0].GetField()
		}
	}
	if reason != "FIELD_TOO_LONG" || field != "title" {
		t.Fatalf("details: reason %q field %q", reason, field)
	}

	ok := dynamicpb.NewMessage(reqType)
	ok.Set(reqType.Fields().ByName("title"), protoreflect.ValueOfString("三个字"))
	if got, err := intercept(context.Background(), ok, &grpc.UnaryServerInfo{}, handler); err != nil || got != "done" || called != 1 {
		t.Fatalf("a request within bounds: %v %v, handler called %d times", got, err, called)
	}
}
