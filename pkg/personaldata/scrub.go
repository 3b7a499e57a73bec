package personaldata

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
)

// Match is a string found in a JSON document: where (a path such as "team[0].name") and what it was.
type Match struct {
	Path  string
	Value string
}

// Scrub replaces, in the JSON document doc, every string value equal to a key of replace by that key's value
// (object keys are left alone). It returns the new document and the strings it replaced; when nothing matched,
// doc is returned as it was. Numbers keep their exact text.
func Scrub(doc []byte, replace map[string]string) ([]byte, []Match, error) {
	if len(replace) == 0 || len(bytes.TrimSpace(doc)) == 0 {
		return doc, nil, nil
	}
	v, err := decode(doc)
	if err != nil {
		return nil, nil, err
	}
	var found []Match
	v = walk(v, "", func(path, s string) (string, bool) {
		r, ok := replace[s]
		if ok {
			found = append(found, Match{Path: path, Value: s})
		}
		return r, ok
	})
	if len(found) == 0 {
		return doc, nil, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), found, nil
}

// Find lists the string values of the JSON document doc that are among values, in document order (object
// members by key).
func Find(doc []byte, values map[string]bool) ([]Match, error) {
	if len(values) == 0 || len(bytes.TrimSpace(doc)) == 0 {
		return nil, nil
	}
	v, err := decode(doc)
	if err != nil {
		return nil, err
	}
	var found []Match
	walk(v, "", func(path, s string) (string, bool) {
		if values[s] {
			found = append(found, Match{Path: path, Value: s})
		}
		return "", false
	})
	return found, nil
}

func decode(doc []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// walk calls f on every string value (with its path) and puts back what f returns when it says so.
func walk(v any, path string, f func(path, s string) (string, bool)) any {
	switch x := v.(type) {
	case string:
		if r, ok := f(path, x); ok {
			return r
		}
		return x
	case []any:
		for i := range x {
			x[i] = walk(x[i], path+"["+strconv.Itoa(i)+"]", f)
		}
		return x
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			x[k] = walk(x[k], p, f)
		}
		return x
	}
	return v
}
