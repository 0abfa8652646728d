package cmd

import "errors"

// ExitError carries the exit status a command asks for. With a nil Err
// nothing is printed: the command has said what it had to (diff found
// differences).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return ""
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode is the exit status for err: 0 for nil, an ExitError's Code, else 1.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	var e *ExitError
	if errors.As(err, &e) {
		return e.Code
	}
	return 1
}
