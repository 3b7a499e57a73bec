package httpapi

import (
	"context"
	"mime"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/proto"
)

// file is an answer that is a file (e.g. supervision's ExportFile): the gateway sends its bytes as the body
// with its media type, so a spreadsheet route downloads a spreadsheet, not JSON.
type file interface {
	GetFilename() string
	GetContentType() string
	GetContent() []byte
}

// fileMarshaler sends file answers as raw bytes and everything else (errors included) as JSON.
type fileMarshaler struct {
	runtime.Marshaler
}

// ContentType is the file's media type, or JSON's.
func (m fileMarshaler) ContentType(v any) string {
	if f, ok := v.(file); ok && f.GetContentType() != "" {
		return f.GetContentType()
	}
	return m.Marshaler.ContentType(v)
}

// Marshal returns a file's bytes, or the JSON of anything else.
func (m fileMarshaler) Marshal(v any) ([]byte, error) {
	if f, ok := v.(file); ok {
		return f.GetContent(), nil
	}
	return m.Marshaler.Marshal(v)
}

// attachment names a file answer's download (Content-Disposition).
func attachment(_ context.Context, w http.ResponseWriter, resp proto.Message) error {
	if f, ok := resp.(file); ok && f.GetFilename() != "" {
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.GetFilename()}))
	}
	return nil
}
