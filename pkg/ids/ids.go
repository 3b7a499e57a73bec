// Package ids makes and checks the suite's object IDs (UUIDs), so use cases can do both without knowing
// how objects are stored.
package ids

import (
	"github.com/google/uuid"

	"github.com/commonweal/commonweal/pkg/errs"
)

// New returns a fresh random ID.
func New() string { return uuid.NewString() }

// NewOrdered returns a fresh ID that sorts after the ones made before it (a UUID version 7: 48 bits of Unix
// milliseconds, then random bits), for rows inserted at a high rate whose IDs are indexed: each insert then
// lands at the index's right edge instead of on a random leaf page (fewer pages read, dirtied and written to
// the WAL in full after a checkpoint). The ID tells the millisecond it was made: use it only where that
// instant is stored anyway.
func NewOrdered() string {
	id, err := uuid.NewV7()
	if err != nil { // the system's randomness failed: as uuid.NewString does
		panic(err)
	}
	return id.String()
}

// Parse refuses a malformed ID before it reaches storage, naming the request field.
func Parse(field, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return errs.ErrInvalidID.Field(field, "not a valid ID")
	}
	return nil
}
