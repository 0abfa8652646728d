package oam

import (
	"strings"
	"testing"
)

// A stream that is not one of objects is named by file and position;
// nothing of its text reaches the error.
func TestReadStreamNeverQuotes(t *testing.T) {
	const secret = "hunter2-s3cret"
	tests := []struct {
		name, data, want string
	}{
		{"a list", "- password: " + secret + "\n- token: " + secret + "\n", "f.yaml: document 1 (line 1) is a list, not an object"},
		{"a scalar", "password " + secret + "\n", "f.yaml: document 1 (line 1) is a scalar"},
		{"the second document", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n- " + secret + "\n", "document 2 (line 5) is a list"},
		{"not YAML", "a: [" + secret + "\npassword: " + secret + "\n", "f.yaml: document 1: not YAML: line "},
		{"/etc/passwd's shape", "root:x:0:0:root:/root:/bin/" + secret + "\n", "f.yaml: document 1 (line 1) is a scalar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadStream("f.yaml", []byte(tt.data), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one with %q", err, tt.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error quotes the file: %v", err)
			}
		})
	}
	nodes, err := ReadStream("f.yaml", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\n"), map[string]string{"x": "y"})
	if err != nil || len(nodes) != 1 || nodes[0].GetAnnotations()["x"] != "y" {
		t.Errorf("a good stream: %v, %d nodes", err, len(nodes))
	}
}
