// Package ids makes and checks the suite's object IDs (UUIDs), so use cases can do both without knowing
// how objects are stored.
package ids

import (
	"github.com/google/uuid"

	"github.com/commonweal/commonweal/pkg/errs"
)

// New returns a fresh random ID.
func New() string { return uuid.NewString() }

// Parse refuses a malformed ID before it reaches storage, naming the request field.
func Parse(field, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return errs.ErrInvalidID.Field(field, "not a valid ID")
	}
	return nil
}
