package build

import (
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	_ "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1" // registers the API's descriptors
	_ "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	_ "github.com/commonweal/commonweal/gen/go/commonweal/funding/v1"
	_ "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	_ "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/pkg/bounds"
)

// Methods returns the API's RPCs by OpenAPI operation ID ("ApplicationsService_ListRounds").
func Methods() map[string]protoreflect.MethodDescriptor {
	out := map[string]protoreflect.MethodDescriptor{}
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(fd.Package()), "commonweal.") {
			return true
		}
		for i := 0; i < fd.Services().Len(); i++ {
			sd := fd.Services().Get(i)
			for j := 0; j < sd.Methods().Len(); j++ {
				md := sd.Methods().Get(j)
				out[string(sd.Name())+"_"+string(md.Name())] = md
			}
		}
		return true
	})
	return out
}

// addParameterBounds writes the maxima of path and query parameters (maxLength, maxItems), which
// protoc-gen-openapiv2 gives only to body fields, from the same field options the services enforce.
func addParameterBounds(doc map[string]any) {
	rpcs := Methods()
	paths, _ := doc["paths"].(map[string]any)
	for _, item := range paths {
		ops, _ := item.(map[string]any)
		for _, op := range ops {
			o, _ := op.(map[string]any)
			id, _ := o["operationId"].(string)
			md, ok := rpcs[id]
			if !ok {
				continue
			}
			params, _ := o["parameters"].([]any)
			for _, p := range params {
				param, _ := p.(map[string]any)
				if in := param["in"]; in != "path" && in != "query" {
					continue
				}
				name, _ := param["name"].(string)
				fd := FieldByJSONPath(md.Input(), name)
				if fd == nil {
					continue
				}
				l := bounds.Of(fd)
				if fd.IsList() {
					if l.MaxItems > 0 {
						param["maxItems"] = l.MaxItems
					}
					if items, ok := param["items"].(map[string]any); ok && l.MaxLength > 0 {
						items["maxLength"] = l.MaxLength
					}
				} else if l.MaxLength > 0 {
					param["maxLength"] = l.MaxLength
				}
			}
		}
	}
}

// FieldByJSONPath resolves a parameter name ("pageToken", "policy.timeZone") to its field in msg.
func FieldByJSONPath(msg protoreflect.MessageDescriptor, path string) protoreflect.FieldDescriptor {
	var fd protoreflect.FieldDescriptor
	for _, part := range strings.Split(path, ".") {
		if msg == nil {
			return nil
		}
		if fd = msg.Fields().ByJSONName(part); fd == nil {
			if fd = msg.Fields().ByName(protoreflect.Name(part)); fd == nil {
				return nil
			}
		}
		msg = fd.Message()
	}
	return fd
}
