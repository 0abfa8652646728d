package source

import (
	"errors"
	"fmt"
	"strings"
)

// ErrCycle means a source declares, directly or through nested sources,
// a source that is being synced (same URL, ref and path).
var ErrCycle = errors.New("source cycle")

// CheckCycle is the one cycle rule of nested sources: next, declared by the
// last of chain (the sources from a root down), is refused with ErrCycle
// when it is one of chain (same Key), naming the loop from that source to
// next. Every walk of nested sources asks it.
func CheckCycle(chain []Declaration, next Declaration) error {
	key := next.Key()
	for i, c := range chain {
		if c.Key() != key {
			continue
		}
		names := make([]string, 0, len(chain)-i+1)
		for _, c := range chain[i:] {
			names = append(names, c.Name)
		}
		names = append(names, next.Name)
		return fmt.Errorf("%s: %w: %s", next, ErrCycle, strings.Join(names, " -> "))
	}
	return nil
}
