package hashchain

import (
	"testing"
	"time"
)

var at = time.Date(2026, 5, 1, 17, 0, 0, 0, time.FixedZone("CST", 8*3600))

// transfer is a ledger transfer's fields in the ledger_transfers chain's order.
var transfer = []string{"alloc-1", "POSTED", "world", "pool", Int(1000), "", "allocation", "round-1", "lottery", "req-1", Time(at)}

// TestKnownVectors: the encoding and the hash give the values an outsider computes by hand (here with
// Python's hashlib over the strings written out).
func TestKnownVectors(t *testing.T) {
	enc := Encode("ledger_transfers", 1, transfer...)
	if want := "16:ledger_transfers,1:1,7:alloc-1,6:POSTED,5:world,4:pool,4:1000,0:,10:allocation,7:round-1,7:lottery,5:req-1,27:2026-05-01T09:00:00.000000Z,"; string(enc) != want {
		t.Fatalf("encoding\n got %s\nwant %s", enc, want)
	}
	first := Hash(Genesis, enc)
	if want := "a9f663fe2594f37fafeb5ec83acd8ad488302046c28ee1078b0bebefff7ddf37"; first != want {
		t.Fatalf("hash %s, want %s", first, want)
	}
	// Lengths count bytes, not characters.
	if got, want := string(Encode("c", 2, "善款")), "1:c,1:2,6:善款,"; got != want {
		t.Fatalf("encoding %s, want %s", got, want)
	}
	if got, want := Hash(first, Encode("c", 2, "善款")), "6c4e6b1c09ffaa1c0a72cccac19698fe918d4d4dd3717ee8ad9b638781117668"; got != want {
		t.Fatalf("hash %s, want %s", got, want)
	}
}

func TestFieldFormats(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Time(time.Date(2026, 1, 2, 3, 4, 5, 6_789_000, time.UTC)), "2026-01-02T03:04:05.006789Z"},
		{Time(time.Date(2026, 1, 2, 11, 4, 5, 0, time.FixedZone("CST", 8*3600))), "2026-01-02T03:04:05.000000Z"},
		{Int(-5), "-5"}, {Int(0), "0"}, {Int(1200), "1200"},
		{Bool(true), "true"}, {Bool(false), "false"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	// Field boundaries are part of the encoding: moving a character between fields changes it.
	if string(Encode("c", 1, "ab", "c")) == string(Encode("c", 1, "a", "bc")) {
		t.Error("field boundaries are lost")
	}
}

// chain builds a valid chain of n entries.
func chain(n int) []Link {
	var links []Link
	prev := Genesis
	for i := 1; i <= n; i++ {
		l := Seal("c", int64(i), prev, Link{ID: "e" + Int(int64(i)), At: at, Fields: []string{Int(int64(i * 100)), "x"}})
		links = append(links, l)
		prev = l.Hash
	}
	return links
}

func TestWalk(t *testing.T) {
	if b, head := Walk("c", nil); b != nil || head != (Head{Chain: "c"}) {
		t.Fatalf("empty chain: %v %+v", b, head)
	}
	good := chain(5)
	if b, head := Walk("c", good); b != nil || head.Seq != 5 || head.Hash != good[4].Hash {
		t.Fatalf("intact chain: %v %+v", b, head)
	}
	edit := func(f func(ls []Link) []Link) []Link { return f(append([]Link(nil), chain(5)...)) }
	for name, c := range map[string]struct {
		links []Link
		want  Break
	}{
		"content edited": {edit(func(ls []Link) []Link { ls[2].Fields = []string{"999", "x"}; return ls }), Break{"c", 3, "e3", HashMismatch}},
		"hash rewritten": {edit(func(ls []Link) []Link {
			ls[2].Fields = []string{"999", "x"}
			ls[2] = Seal("c", 3, ls[2].Prev, ls[2]) // rehashed, but the successor still names the old hash
			return ls
		}), Break{"c", 4, "e4", LinkMismatch}},
		"entry deleted":  {edit(func(ls []Link) []Link { return append(ls[:1], ls[2:]...) }), Break{"c", 3, "e3", SequenceGap}},
		"first replaced": {edit(func(ls []Link) []Link { ls[0].Prev = ls[1].Hash; return ls }), Break{"c", 1, "e1", LinkMismatch}},
		"renumbered":     {edit(func(ls []Link) []Link { ls[0].Seq = 0; return ls }), Break{"c", 0, "e1", SequenceGap}},
	} {
		b, _ := Walk("c", c.links)
		if b == nil || *b != c.want {
			t.Errorf("%s: break %+v, want %+v", name, b, c.want)
		}
	}
}

func TestCheckHead(t *testing.T) {
	good := chain(5)
	recorded := Head{Chain: "c", Seq: 3, Hash: good[2].Hash}
	if c := CheckHead(recorded, good); !c.Intact || c.FirstBreak != nil || c.Current.Seq != 5 {
		t.Fatalf("intact: %+v", c)
	}
	if c := CheckHead(Head{Chain: "c"}, good); !c.Intact {
		t.Fatalf("an empty head recorded earlier: %+v", c)
	}
	// The whole chain rewritten from entry 2 on links up, but no longer holds the recorded hash.
	rewritten := append([]Link(nil), good[:1]...)
	for i := 2; i <= 5; i++ {
		rewritten = append(rewritten, Seal("c", int64(i), rewritten[i-2].Hash, Link{ID: "e" + Int(int64(i)), Fields: []string{"0", "x"}}))
	}
	c := CheckHead(recorded, rewritten)
	if c.Intact || *c.FirstBreak != (Break{"c", 3, "e3", RecordedHeadMismatch}) {
		t.Fatalf("rewritten chain: %+v %+v", c, c.FirstBreak)
	}
	// An earlier break is the first one.
	edited := append([]Link(nil), good...)
	edited[1].Fields = []string{"7", "x"}
	if c := CheckHead(recorded, edited); c.Intact || *c.FirstBreak != (Break{"c", 2, "e2", HashMismatch}) {
		t.Fatalf("edited chain: %+v %+v", c, c.FirstBreak)
	}
	// A recorded entry the chain no longer holds (truncated, or never there).
	if c := CheckHead(Head{Chain: "c", Seq: 9, Hash: good[0].Hash}, good); c.Intact || *c.FirstBreak != (Break{"c", 9, "", RecordedHeadMismatch}) {
		t.Fatalf("beyond the head: %+v %+v", c, c.FirstBreak)
	}
}

func TestCheckRecorded(t *testing.T) {
	h := chain(1)[0].Hash
	for _, c := range []struct {
		head Head
		ok   bool
	}{
		{Head{Seq: 0}, true}, {Head{Seq: 1, Hash: h}, true},
		{Head{Seq: -1, Hash: h}, false}, {Head{Seq: 0, Hash: h}, false}, {Head{Seq: 1}, false},
		{Head{Seq: 1, Hash: h[:63]}, false}, {Head{Seq: 1, Hash: h[:63] + "G"}, false},
	} {
		if err := CheckRecorded(c.head); (err == nil) != c.ok {
			t.Errorf("%+v: %v", c.head, err)
		}
	}
}

func FuzzCheckRecorded(f *testing.F) {
	f.Add(int64(1), Genesis)
	f.Fuzz(func(t *testing.T, seq int64, hash string) {
		if CheckRecorded(Head{Seq: seq, Hash: hash}) == nil && seq > 0 && len(hash) != 64 {
			t.Fatalf("accepted %d %q", seq, hash)
		}
	})
}
