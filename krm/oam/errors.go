package oam

import (
	"errors"
	"fmt"
	"strings"
)

// Source says where an object came from: the file it was read from (as
// kustomize/kpt annotate it) and its index in that file.
type Source struct {
	File  string
	Index int
}

// ObjectRef names an object in messages.
type ObjectRef struct {
	APIVersion, Kind, Namespace, Name string
}

func (r ObjectRef) String() string {
	if r.Namespace == "" {
		return r.Kind + " " + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name
}

// FieldError is a mistake in user input: it names the file, the object and
// the field path at fault, as `file: Kind ns/name: field.path: message`.
type FieldError struct {
	Source Source
	Object ObjectRef
	Field  string
	Err    error
}

func (e *FieldError) Error() string {
	var b strings.Builder
	if e.Source.File != "" {
		b.WriteString(e.Source.File)
		b.WriteString(": ")
	}
	if e.Object.Kind != "" {
		b.WriteString(e.Object.String())
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *FieldError) Unwrap() error { return e.Err }

// ErrInvalid marks input that does not follow the Application schema.
var ErrInvalid = errors.New("invalid Application")

// fieldErrorf builds a FieldError for an Application being parsed.
func (a *Application) fieldErrorf(field, format string, args ...any) *FieldError {
	return &FieldError{Source: a.Source, Object: a.Ref(), Field: field, Err: fmt.Errorf(format, args...)}
}
