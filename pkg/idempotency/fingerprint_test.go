package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/commonweal/commonweal/pkg/identity"
)

// fakeStream lets grpc.Method report a method outside a real server.
type fakeStream struct{ method string }

func (s fakeStream) Method() string                     { return s.method }
func (s fakeStream) SetHeader(metadata.MD) error        { return nil }
func (s fakeStream) SendHeader(metadata.MD) error       { return nil }
func (s fakeStream) SetTrailer(metadata.MD) error       { return nil }
func (s fakeStream) SetSendCompress(string) error       { return nil }
func (fakeStream) ClientSupportedCompressors() []string { return nil }

func methodCtx(ctx context.Context, method string) context.Context {
	return grpc.NewContextWithServerTransportStream(ctx, fakeStream{method})
}

func TestFingerprint(t *testing.T) {
	bg := context.Background()
	aliceCtx := alice(bg)
	create := methodCtx(aliceCtx, "/svc/Create")

	s1, _ := structpb.NewStruct(map[string]any{"a": 1, "b": "two", "c": true, "d": map[string]any{"x": 1, "y": 2}})
	s2, _ := structpb.NewStruct(map[string]any{"d": map[string]any{"y": 2, "x": 1}, "c": true, "b": "two", "a": 1})

	fp := func(ctx context.Context, m proto.Message) []byte {
		t.Helper()
		b, err := Fingerprint(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != sha256.Size {
			t.Fatalf("fingerprint is %d bytes", len(b))
		}
		return b
	}
	ref := fp(create, wrapperspb.String("x"))

	same := []struct {
		name string
		ctx  context.Context
		m    proto.Message
	}{
		{"identical", create, wrapperspb.String("x")},
		{"other roles, same subject", methodCtx(identity.With(bg, identity.Identity{Subject: "alice", Roles: []identity.Role{identity.Donor}}), "/svc/Create"), wrapperspb.String("x")},
	}
	for _, tt := range same {
		if !bytes.Equal(fp(tt.ctx, tt.m), ref) {
			t.Errorf("%s: fingerprint differs", tt.name)
		}
	}
	if !bytes.Equal(fp(create, s1), fp(create, s2)) {
		t.Error("equal messages with maps built in another order have different fingerprints")
	}

	differ := []struct {
		name string
		ctx  context.Context
		m    proto.Message
	}{
		{"body", create, wrapperspb.String("y")},
		{"empty body", create, wrapperspb.String("")},
		{"subject", methodCtx(identity.With(bg, identity.Identity{Subject: "bob"}), "/svc/Create"), wrapperspb.String("x")},
		{"anonymous", methodCtx(bg, "/svc/Create"), wrapperspb.String("x")},
		{"method", methodCtx(aliceCtx, "/svc/Delete"), wrapperspb.String("x")},
		{"no method", aliceCtx, wrapperspb.String("x")},
		// The separators keep method/subject/body boundaries apart.
		{"shifted boundary", methodCtx(identity.With(bg, identity.Identity{Subject: "ce"}), "/svc/Createali"), wrapperspb.String("x")},
	}
	for _, tt := range differ {
		if bytes.Equal(fp(tt.ctx, tt.m), ref) {
			t.Errorf("%s: same fingerprint as the reference", tt.name)
		}
	}
}
