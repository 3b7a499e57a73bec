package db

import "testing"

func TestNullText(t *testing.T) {
	if NullText("") != nil || TextOf(nil) != "" {
		t.Fatal("empty text is not NULL")
	}
	if p := NullText("x"); p == nil || TextOf(p) != "x" {
		t.Fatalf("text round trip: %v", p)
	}
}
