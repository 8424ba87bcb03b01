package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Sentinel errors matched with errors.Is against an *Error.
var (
	// ErrNotFound: the source answered 404 for the requested resource.
	ErrNotFound = errors.New("not found at source")
	// ErrAuth: the source refused our credentials (401 or 403).
	ErrAuth = errors.New("rejected by source authentication")
	// ErrThrottled: the source kept answering 429.
	ErrThrottled = errors.New("throttled by source")
	// ErrCircuitOpen: the source's circuit breaker is open; no request was sent.
	ErrCircuitOpen = errors.New("circuit breaker open")
	// ErrUnavailable: the source failed with 5xx or could not be reached.
	ErrUnavailable = errors.New("source unavailable")
	// ErrIntegrity: a response failed the verification of its signature or digest; it
	// was not used.
	ErrIntegrity = errors.New("response failed integrity verification")
)

// Error is what every call to a source returns on failure: enough for a
// user to act on and for a job queue to decide whether to try again.
type Error struct {
	Source    string // registry name, e.g. "benefits"
	Operation string // what the hub was doing, e.g. "list benefit cases"
	Status    int    // HTTP status; 0 when no response arrived
	Code      string // the source's own error code, when it sent one
	Message   string // the source's own message, when it sent one
	// Retryable says the same request may succeed later (network errors,
	// 429, 5xx, open breaker); false means it cannot without a change.
	Retryable bool
	Err       error // underlying cause, if any
}

// Error names source, operation, status and the source's own code/message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Source)
	b.WriteString(": ")
	b.WriteString(e.Operation)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d %s", e.Status, http.StatusText(e.Status))
	}
	if e.Code != "" {
		b.WriteString(": ")
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap exposes the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is maps the status onto the package's sentinel errors.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrAuth:
		return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden ||
			(e.Status == http.StatusBadRequest && oauthRefusals[e.Code])
	case ErrThrottled:
		return e.Status == http.StatusTooManyRequests
	case ErrUnavailable:
		return e.Status >= 500 || (e.Status == 0 && e.Retryable && !errors.Is(e.Err, ErrCircuitOpen))
	}
	return false
}

// oauthRefusals are the RFC 6749 token errors that refuse the client's credentials or
// grant, which a token endpoint answers with 400.
var oauthRefusals = map[string]bool{"invalid_client": true, "invalid_grant": true, "unauthorized_client": true, "invalid_scope": true}

// IsRetryable reports whether err carries an *Error marked retryable.
func IsRetryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Retryable
}

// Problem is an RFC 7807 problem document, with the extension members the
// PDND gateways add.
type Problem struct {
	Type          string         `json:"type,omitempty"`
	Title         string         `json:"title,omitempty"`
	Status        int            `json:"status,omitempty"`
	Detail        string         `json:"detail,omitempty"`
	Instance      string         `json:"instance,omitempty"`
	Code          string         `json:"code,omitempty"`
	CorrelationID string         `json:"correlationId,omitempty"`
	Errors        []ProblemError `json:"errors,omitempty"`
}

// ProblemError is one entry of a problem's "errors" extension.
type ProblemError struct {
	Code   string `json:"code,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// maxMessage bounds how much of an unstructured error body lands in an
// error message: enough to diagnose, not a page of HTML.
const maxMessage = 300

// ParseErrorBody extracts the source's code and message from an error
// response: an RFC 7807 problem, an OAuth2 error object, or plain text.
func ParseErrorBody(contentType string, body []byte) (code, message string) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return "", ""
	}
	if body[0] == '{' {
		var doc struct {
			Problem
			OAuthError       string `json:"error"`
			OAuthDescription string `json:"error_description"`
		}
		if err := json.Unmarshal(body, &doc); err == nil {
			code, message = problemCode(doc.Problem), problemMessage(doc.Problem)
			if code == "" {
				code = doc.OAuthError
			}
			if message == "" {
				message = doc.OAuthDescription
			}
			if code != "" || message != "" {
				return code, message
			}
		}
	}
	if strings.Contains(contentType, "html") {
		return "", ""
	}
	return "", truncate(string(body), maxMessage)
}

func problemCode(p Problem) string {
	switch {
	case p.Code != "":
		return p.Code
	case len(p.Errors) > 0 && p.Errors[0].Code != "":
		return p.Errors[0].Code
	case p.Type != "" && p.Type != "about:blank":
		return p.Type
	}
	return ""
}

func problemMessage(p Problem) string {
	parts := make([]string, 0, 2)
	switch {
	case p.Detail != "":
		parts = append(parts, p.Detail)
	case p.Title != "":
		parts = append(parts, p.Title)
	}
	for _, e := range p.Errors {
		if e.Detail != "" && e.Detail != p.Detail {
			parts = append(parts, e.Detail)
		}
	}
	return truncate(strings.Join(parts, "; "), maxMessage)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
