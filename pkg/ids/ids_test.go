package ids

import (
	"testing"

	"github.com/google/uuid"
)

// TestNewOrdered: ordered IDs are valid version 7 UUIDs, each sorting after the one made before it.
func TestNewOrdered(t *testing.T) {
	prev := NewOrdered()
	for range 10000 {
		id := NewOrdered()
		u, err := uuid.Parse(id)
		if err != nil || u.Version() != 7 || Parse("id", id) != nil {
			t.Fatalf("%s: version %d, %v", id, u.Version(), err)
		}
		if id <= prev {
			t.Fatalf("%s made after %s sorts before it", id, prev)
		}
		prev = id
	}
}
