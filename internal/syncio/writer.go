// Package syncio has the one writer that goroutines may share.
package syncio

import (
	"io"
	"sync"
)

// Writer lets goroutines share w: one Write at a time, so each line a
// caller writes whole stays whole.
type Writer struct {
	mu sync.Mutex
	w  io.Writer
}

// NewWriter wraps w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

func (l *Writer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
