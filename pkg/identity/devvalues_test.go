package identity

import (
	"slices"
	"testing"

	"github.com/commonweal/commonweal/pkg/config"
)

// The dev key pair must be refused in production for every secret.
func TestDevKeysAreDevValues(t *testing.T) {
	for _, k := range []string{DevPrivateKey, DevPublicKey} {
		if !slices.Contains(config.DevValues, k) {
			t.Errorf("dev key %q is not in config.DevValues", k)
		}
	}
}
