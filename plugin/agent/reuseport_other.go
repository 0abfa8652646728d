//go:build !unix

package agent

import (
	"errors"
	"syscall"
)

// reusePortControl refuses: sharing a port needs SO_REUSEPORT.
func reusePortControl(_, _ string, _ syscall.RawConn) error {
	return errors.New("--reuse-port needs a Unix system")
}
