package apply

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
)

// Annotations hold at most 256 KiB in all, and the components of a source
// of a thousand apps take more as JSON. Past compactFrom bytes the JSON is
// written gzipped and base64-encoded behind compactPrefix (about a tenth of
// the size: the entries repeat their keys and messages).
const (
	compactFrom   = 16 << 10
	compactPrefix = "gzip+base64:"
)

// compact returns data as an annotation value: itself when small,
// compressed otherwise.
func compact(data []byte) (string, error) {
	if len(data) < compactFrom {
		return string(data), nil
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return compactPrefix + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// expand undoes compact.
func expand(value string) ([]byte, error) {
	enc, ok := strings.CutPrefix(value, compactPrefix)
	if !ok {
		return []byte(value), nil
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("compacted annotation: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("compacted annotation: %w", err)
	}
	defer zr.Close()
	return io.ReadAll(io.LimitReader(zr, 64<<20)) // a bound against a hand-made bomb
}
