// Package hashchain makes an append-only table tamper-evident for the public: every entry carries a sequence
// number and the hash of its predecessor, so a head (sequence number and hash) recorded once by a newspaper or
// an auditor vouches for every entry before it. This file holds the pure rules (the canonical encoding, the
// hash, the walk that finds the first bad entry); pgchain appends to a chain kept in PostgreSQL.
//
// # Canonical encoding
//
// Entries of a chain are numbered 1, 2, 3, … with no gap. Entry n's hash is
//
//	hash(n) = lowercase hex of SHA-256( prev_hash(n) || encoding(n) )
//
// where prev_hash(1) is Genesis (64 "0" characters), prev_hash(n) = hash(n−1), both as their 64 ASCII
// characters, and encoding(n) is the concatenation of netstrings ("<byte length in decimal>:<bytes>,") of
//
//	the chain's name, n in decimal, then the entry's fields in the order the chain documents
//
// each field a UTF-8 string: integers in decimal without leading zeros ("-5", "0", "1200"), times in RFC 3339
// UTC with exactly six fractional digits ("2026-05-01T09:00:00.000000Z", the database keeps microseconds),
// booleans "true"/"false", an absent value "". For example entry 1 of chain "c" with fields "ab" and "" is
// hashed over "0000…0000" + "1:c,1:1,2:ab,0:,". The fields of each chain are listed in the README ("Tamper
// evidence").
package hashchain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
)

// Genesis is the predecessor hash of a chain's first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// TimeLayout formats times in the encoding: RFC 3339, UTC, microseconds.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// Time is a time as the encoding writes it.
func Time(t time.Time) string { return t.UTC().Format(TimeLayout) }

// Int is an integer as the encoding writes it.
func Int(n int64) string { return strconv.FormatInt(n, 10) }

// Bool is a boolean as the encoding writes it.
func Bool(b bool) string { return strconv.FormatBool(b) }

// Encode is the canonical encoding of entry seq of chain with fields.
func Encode(chain string, seq int64, fields ...string) []byte {
	var b strings.Builder
	for _, f := range append([]string{chain, Int(seq)}, fields...) {
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
		b.WriteByte(',')
	}
	return []byte(b.String())
}

// Hash is the hash of an entry whose predecessor's hash is prev and whose canonical encoding is encoding.
func Hash(prev string, encoding []byte) string {
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write(encoding)
	return hex.EncodeToString(h.Sum(nil))
}

// Link is one stored entry of a chain as the walk sees it.
type Link struct {
	Seq    int64
	ID     string // the entry's own ID (transfer, event or change), to name it in a break
	Prev   string // the stored predecessor hash
	Hash   string // the stored hash
	At     time.Time
	Fields []string // the entry's fields in the chain's order
}

// Seal fills in l's sequence number, predecessor and hash as the entry after (seq−1, prev) of chain.
func Seal(chain string, seq int64, prev string, l Link) Link {
	l.Seq, l.Prev = seq, prev
	l.Hash = Hash(prev, Encode(chain, seq, l.Fields...))
	return l
}

// Head is a chain's last entry: sequence 0 and an empty hash for an empty chain.
type Head struct {
	Chain string
	Seq   int64
	Hash  string
	At    time.Time // when the head entry was written
}

// Reasons a chain entry does not check out.
const (
	HashMismatch         = "HASH_MISMATCH"          // the entry's content no longer gives its hash
	LinkMismatch         = "LINK_MISMATCH"          // it does not name its predecessor's hash
	SequenceGap          = "SEQUENCE_GAP"           // its sequence number is not its predecessor's plus one
	RecordedHeadMismatch = "RECORDED_HEAD_MISMATCH" // a recorded head's hash differs, or its entry is gone
)

// Break is the first entry of a chain that does not check out.
type Break struct {
	Chain   string
	Seq     int64
	EntryID string
	Reason  string
}

// Walk checks links (in sequence order) from the first entry: the first that does not check out, or nil. It
// also returns the head as stored (the last link).
func Walk(chain string, links []Link) (*Break, Head) {
	head := Head{Chain: chain}
	prev, want := Genesis, int64(1)
	var first *Break
	for _, l := range links {
		if first == nil {
			reason := ""
			switch {
			case l.Seq != want:
				reason = SequenceGap
			case l.Prev != prev:
				reason = LinkMismatch
			case Hash(l.Prev, Encode(chain, l.Seq, l.Fields...)) != l.Hash:
				reason = HashMismatch
			}
			if reason != "" {
				first = &Break{Chain: chain, Seq: l.Seq, EntryID: l.ID, Reason: reason}
			}
		}
		prev, want = l.Hash, l.Seq+1
		head = Head{Chain: chain, Seq: l.Seq, Hash: l.Hash, At: l.At}
	}
	return first, head
}

// Chain is a whole chain as stored, its links in sequence order.
type Chain struct {
	Name  string
	Links []Link
}

// Verify walks each chain from its first entry and returns the first break of each broken one.
func Verify(chains ...Chain) []Break {
	var breaks []Break
	for _, c := range chains {
		if b, _ := Walk(c.Name, c.Links); b != nil {
			breaks = append(breaks, *b)
		}
	}
	return breaks
}

// Check is the answer to a recorded head: intact when the chain still holds the recorded entry with the
// recorded hash and every entry links up to the current head.
type Check struct {
	Intact     bool
	Current    Head
	FirstBreak *Break
}

// Errors of a head check.
var (
	ErrUnknownChain = errs.Invalid("UNKNOWN_CHAIN", "chain", "this service keeps no chain of this name")
	ErrInvalidHead  = errs.Invalid("INVALID_CHAIN_HEAD", "hash", "a recorded head is a sequence number from 0 and its hash: 64 lowercase hexadecimal characters (empty for sequence 0)")
)

// CheckRecorded validates a recorded head before anything is read.
func CheckRecorded(recorded Head) error {
	switch {
	case recorded.Seq < 0:
		return ErrInvalidHead.Field("sequence", "must not be negative")
	case recorded.Seq == 0 && recorded.Hash != "":
		return ErrInvalidHead.With("an empty chain's head has no hash")
	case recorded.Seq > 0 && !isHash(recorded.Hash):
		return ErrInvalidHead
	}
	return nil
}

func isHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// CheckHead walks links (in sequence order) and checks a recorded head against them: the first entry that
// does not check out, in sequence order, is the answer's break; the recorded entry's hash differing, or the
// recorded entry missing, is RECORDED_HEAD_MISMATCH.
func CheckHead(recorded Head, links []Link) Check {
	first, current := Walk(recorded.Chain, links)
	if recorded.Seq > 0 {
		var mismatch *Break
		found := false
		for _, l := range links {
			if l.Seq == recorded.Seq {
				found = true
				if l.Hash != recorded.Hash {
					mismatch = &Break{Chain: recorded.Chain, Seq: l.Seq, EntryID: l.ID, Reason: RecordedHeadMismatch}
				}
				break
			}
		}
		if !found {
			mismatch = &Break{Chain: recorded.Chain, Seq: recorded.Seq, Reason: RecordedHeadMismatch}
		}
		if mismatch != nil && (first == nil || mismatch.Seq < first.Seq) {
			first = mismatch
		}
	}
	return Check{Intact: first == nil, Current: current, FirstBreak: first}
}

// Reader reads the chains a service keeps.
type Reader interface {
	// ChainHeads reads the head of every chain, at one instant.
	ChainHeads(ctx context.Context) ([]Head, error)
	// Chain reads one whole chain in sequence order; ok is false for a chain the service does not keep.
	Chain(ctx context.Context, name string) (c Chain, ok bool, err error)
}

// CheckRecordedHead checks a recorded head against its chain as r reads it now: INVALID_CHAIN_HEAD for a
// malformed head, UNKNOWN_CHAIN for a chain r does not keep.
func CheckRecordedHead(ctx context.Context, r Reader, recorded Head) (Check, error) {
	if err := CheckRecorded(recorded); err != nil {
		return Check{}, err
	}
	c, ok, err := r.Chain(ctx, recorded.Chain)
	switch {
	case err != nil:
		return Check{}, err
	case !ok:
		return Check{}, ErrUnknownChain.With("no chain %q", recorded.Chain)
	}
	return CheckHead(recorded, c.Links), nil
}
