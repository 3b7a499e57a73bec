package service

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/commonweal/commonweal/pkg/config"
	"github.com/commonweal/commonweal/pkg/sealed"
)

func TestDataBox(t *testing.T) {
	k1 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	k2 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32))
	for _, c := range []struct {
		setting    string
		production bool
		newest     string
		err        error
	}{
		{k1, true, sealed.DefaultKeyID, nil},
		{"k2:" + k2 + ",1:" + k1, true, "k2", nil},
		{devDataKey, false, sealed.DefaultKeyID, nil},
		{devDataKey, true, "", config.ErrSecretDevValue},
		{"k2:" + k2 + ",1:" + devDataKey, true, "", config.ErrSecretDevValue},
		{"k2:" + k2 + ",k2:" + k1, true, "", sealed.ErrKey},
		{"k2:short", true, "", sealed.ErrKey},
	} {
		box, err := dataBox(c.setting, c.production)
		if !errors.Is(err, c.err) || (err == nil && box.NewestKeyID() != c.newest) {
			t.Errorf("dataBox(%q, %v) = %v, %v; want newest %q, err %v", c.setting, c.production, box.NewestKeyID(), err, c.newest, c.err)
		}
	}
}
