package httpapi

import (
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	supervisionv1 "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
)

func TestFilesAreSentAsTheirBytes(t *testing.T) {
	m := fileMarshaler{jsonMarshaler()}
	f := &supervisionv1.ExportFile{Filename: "projects.csv", ContentType: "text/csv; charset=utf-8", Content: []byte("\ufeff项目编号\r\n")}
	if got := m.ContentType(f); got != "text/csv; charset=utf-8" {
		t.Errorf("ContentType = %q", got)
	}
	if b, err := m.Marshal(f); err != nil || string(b) != "\ufeff项目编号\r\n" {
		t.Errorf("Marshal = %q, %v", b, err)
	}
	w := httptest.NewRecorder()
	if err := attachment(t.Context(), w, f); err != nil || w.Header().Get("Content-Disposition") != "attachment; filename=projects.csv" {
		t.Errorf("Content-Disposition = %q, %v", w.Header().Get("Content-Disposition"), err)
	}

	// Anything else stays JSON.
	msg := wrapperspb.String("x")
	if got := m.ContentType(msg); got != "application/json" {
		t.Errorf("ContentType of a message = %q", got)
	}
	if b, err := m.Marshal(msg); err != nil || !strings.Contains(string(b), `"x"`) {
		t.Errorf("Marshal of a message = %q, %v", b, err)
	}
	w = httptest.NewRecorder()
	if attachment(t.Context(), w, msg); w.Header().Get("Content-Disposition") != "" {
		t.Error("a JSON answer was made an attachment")
	}
}
