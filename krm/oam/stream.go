package oam

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ReadStream reads data, the YAML stream of file name, into nodes with
// the annotations set on each. A stream that is not one of mappings fails
// naming the file and the document (its index and line) and what it is,
// never with its content: a file can hold a password, and a symlink can
// lead to one.
func ReadStream(name string, data []byte, annotations map[string]string) ([]*yaml.RNode, error) {
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(data), SetAnnotations: annotations}).Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, describeStream(data))
	}
	return nodes, nil
}

// describeStream says what is wrong with a stream kio refused, by its
// position only.
func describeStream(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for i := 1; ; i++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return errors.New("not a YAML stream of Kubernetes objects")
		}
		if err != nil {
			// The parser's messages give a line, not the text.
			return fmt.Errorf("document %d: not YAML: %s", i, strings.TrimPrefix(err.Error(), "yaml: "))
		}
		if len(doc.Content) == 0 {
			continue
		}
		if n := doc.Content[0]; n.Kind != yaml.MappingNode && !(n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
			return fmt.Errorf("document %d (line %d) is %s, not an object with apiVersion and kind", i, n.Line, kindName(n))
		}
	}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a scalar"
	case yaml.AliasNode:
		return "an alias"
	}
	return "not a mapping"
}
