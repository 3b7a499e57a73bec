package httpapi

import (
	"slices"
	"sync"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/proto"
)

// The answers memoMarshaler remembers: big enough that protojson's cost shows (a page of applications is tens
// of kilobytes), small enough to hold a few dozen at once.
const (
	memoMinBytes  = 2 << 10   // smaller answers are marshalled every time: cheap, and too many to keep
	memoMaxBytes  = 256 << 10 // larger ones too: rare, and they would crowd the others out
	memoHeldBytes = 8 << 20   // keys and JSON held at most; past it the memo starts afresh
)

// memoMarshaler is a JSON marshaler that remembers the JSON of the answers it recently marshalled, keyed by
// the answer's type and protobuf encoding: the same answer sent again (the finalists' page that thousands of
// visitors open during the promotion, a staff list paged through again) skips protojson, the gateway's
// largest cost per request. protojson's output is a function of the message, and the deterministic protobuf
// encoding names the message exactly (unknown fields included), so the bytes sent are the ones protojson
// would have made. Every request still reaches its service: only the conversion is remembered.
type memoMarshaler struct {
	runtime.Marshaler

	mu   sync.RWMutex
	json map[string][]byte
	held int
}

// memoKeys are the buffers memoMarshaler builds its keys in.
var memoKeys = sync.Pool{New: func() any { return new([]byte) }}

// Marshal returns the JSON of v, remembered when v is a message of the remembered sizes.
func (m *memoMarshaler) Marshal(v any) ([]byte, error) {
	msg, ok := v.(proto.Message)
	if !ok {
		return m.Marshaler.Marshal(v)
	}
	size := proto.Size(msg)
	if size < memoMinBytes || size > memoMaxBytes {
		return m.Marshaler.Marshal(v)
	}
	name := msg.ProtoReflect().Descriptor().FullName()
	// The key is built in a pooled buffer (the lookup does not keep it) with the sizes proto.Size just cached
	// in the message: one pass over the message, no allocation.
	buf := memoKeys.Get().(*[]byte)
	defer memoKeys.Put(buf)
	key, err := proto.MarshalOptions{Deterministic: true, UseCachedSize: true}.MarshalAppend(append(append((*buf)[:0], name...), 0), msg)
	if err != nil || len(key) != len(name)+1+size {
		return m.Marshaler.Marshal(v)
	}
	*buf = key
	m.mu.RLock()
	out, ok := m.json[string(key)]
	m.mu.RUnlock()
	if ok {
		return out, nil
	}
	if out, err = m.Marshaler.Marshal(v); err != nil {
		return nil, err
	}
	// Clipped: a caller appending to the answer (a stream's delimiter) gets a copy, never writes into the memo.
	out = slices.Clip(out)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.json == nil || m.held+len(key)+len(out) > memoHeldBytes {
		m.json, m.held = map[string][]byte{}, 0
	}
	if _, dup := m.json[string(key)]; !dup {
		m.json[string(key)] = out
		m.held += len(key) + len(out)
	}
	return out, nil
}
