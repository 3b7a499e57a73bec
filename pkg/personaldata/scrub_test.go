package personaldata_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/commonweal/commonweal/pkg/personaldata"
)

// Scrub replaces whole string values only, wherever they are, and keeps every other value as it was.
func TestScrub(t *testing.T) {
	doc := []byte(`{"Name":"张三","IDNumber":"990101198001010014","Budget":12345678901234567,"Content":{"team":[{"name":"张三","role":"lead"},{"name":"张三丰","role":"张三"}]},"Note":"张三的项目"}`)
	out, found, err := personaldata.Scrub(doc, map[string]string{"张三": "已删除", "990101198001010014": ""})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	var want map[string]any
	_ = json.Unmarshal([]byte(`{"Name":"已删除","IDNumber":"","Budget":12345678901234567,"Content":{"team":[{"name":"已删除","role":"lead"},{"name":"张三丰","role":"已删除"}]},"Note":"张三的项目"}`), &want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("scrubbed %s", out)
	}
	if string(out) == string(doc) || !json.Valid(out) {
		t.Fatalf("scrubbed %s", out)
	}
	if !strings.Contains(string(out), "12345678901234567") {
		t.Errorf("a large number lost its digits: %s", out)
	}
	paths := map[string]string{}
	for _, m := range found {
		paths[m.Path] = m.Value
	}
	wantPaths := map[string]string{"Name": "张三", "IDNumber": "990101198001010014", "Content.team[0].name": "张三", "Content.team[1].role": "张三"}
	if !reflect.DeepEqual(paths, wantPaths) {
		t.Errorf("found %v, want %v", paths, wantPaths)
	}

	same, found, err := personaldata.Scrub(doc, map[string]string{"李四": ""})
	if err != nil || string(same) != string(doc) || len(found) != 0 {
		t.Errorf("nothing to replace: %s %v %v", same, found, err)
	}
	if _, _, err := personaldata.Scrub([]byte(`{"a":`), map[string]string{"x": ""}); err == nil {
		t.Error("a broken document scrubbed without error")
	}

	matches, err := personaldata.Find(doc, map[string]bool{"张三": true})
	if err != nil || len(matches) != 3 {
		t.Errorf("Find: %v %v", matches, err)
	}
}
