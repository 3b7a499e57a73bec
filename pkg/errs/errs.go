// Package errs is the suite's error model: a kind (mapped to a gRPC code at the edge), a stable reason and
// optional field violations. Domain packages declare sentinel errors with it and wrap them with %w.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error the way a caller has to react to it.
type Kind int

// The kinds, each mapped to one standard gRPC code by the grpcerr package.
const (
	Internal           Kind = iota // a bug or an outage; the caller cannot fix it
	InvalidArgument                // bad input; the same request will always fail
	FailedPrecondition             // wrong state or phase for this operation
	NotFound                       // the object does not exist or the caller may not see it
	AlreadyExists                  // the object or the action exists already
	Aborted                        // the etag did not match; read again and retry
	PermissionDenied               // the caller's role may never do this
	Unauthenticated                // no valid identity
	ResourceExhausted              // rate limited
	Unavailable                    // a dependency is unreachable; retry later
)

// FieldViolation names a request field and what is wrong with it.
type FieldViolation struct {
	Field       string
	Description string
	Reason      string
}

// Error is an error with a kind, a stable UPPER_SNAKE reason and a human message.
type Error struct {
	Kind       Kind
	Reason     string
	Message    string
	Violations []FieldViolation
	// Metadata travels in ErrorInfo.metadata (e.g. the missing precondition's details).
	Metadata map[string]string
	// custom is set once With gave a specific message, which Field then keeps.
	custom bool
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Reason
	}
	return e.Reason + ": " + e.Message
}

// Is makes errors.Is match two errors of the same kind and reason, so sentinels match their copies.
func (e *Error) Is(target error) bool {
	var t *Error
	if !errors.As(target, &t) {
		return false
	}
	return t.Kind == e.Kind && t.Reason == e.Reason
}

// New returns a sentinel error.
func New(kind Kind, reason, message string) *Error {
	return &Error{Kind: kind, Reason: reason, Message: message}
}

// With returns a copy of e with a more specific message, still matching e under errors.Is.
func (e *Error) With(format string, args ...any) *Error {
	c := *e
	c.Message = fmt.Sprintf(format, args...)
	c.custom = true
	return &c
}

// Field returns a copy of e carrying a violation of the named request field.
func (e *Error) Field(field, description string) *Error {
	c := *e
	c.Violations = append(append([]FieldViolation(nil), e.Violations...), FieldViolation{Field: field, Description: description, Reason: e.Reason})
	if !e.custom {
		c.Message = field + ": " + description
	}
	return &c
}

// Invalid is a shorthand for an INVALID_ARGUMENT error on one field.
func Invalid(reason, field, description string) *Error {
	return (&Error{Kind: InvalidArgument, Reason: reason}).Field(field, description)
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Common errors shared by every service.
var (
	ErrNotFound            = New(NotFound, "NOT_FOUND", "not found")
	ErrPermissionDenied    = New(PermissionDenied, "PERMISSION_DENIED", "this role may not do this")
	ErrUnauthenticated     = New(Unauthenticated, "UNAUTHENTICATED", "a valid identity is required")
	ErrEtagMismatch        = New(Aborted, "ETAG_MISMATCH", "the object changed since it was read; read it again")
	ErrEtagRequired        = New(InvalidArgument, "ETAG_REQUIRED", "etag is required")
	ErrRequestIDReused     = New(InvalidArgument, "REQUEST_ID_REUSED", "request_id was already used for a different request")
	ErrInvalidPageToken    = New(InvalidArgument, "INVALID_PAGE_TOKEN", "page_token is not valid for this query")
	ErrInvalidPageSize     = New(InvalidArgument, "INVALID_PAGE_SIZE", "page_size must be between 0 and 100")
	ErrInvalidID           = New(InvalidArgument, "INVALID_ID", "malformed ID")
	ErrServiceUnavailable  = New(Unavailable, "SERVICE_UNAVAILABLE", "a service this operation needs is unavailable")
	ErrDatabaseUnavailable = New(Unavailable, "DATABASE_UNAVAILABLE", "the service's database is unreachable; retry later")
)
