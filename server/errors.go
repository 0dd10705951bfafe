package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/heraldhq/herald/server/wire"
)

// Error is an error with the HTTP status the hub answers it with. Errors from an
// Authorizer may implement the same HTTPStatus method.
type Error struct {
	Status int
	Msg    string
	// RetryAfter, when positive, is sent as the Retry-After header (429, 503).
	RetryAfter time.Duration
	// Code, when set, is sent as "code" beside "error": a stable word for programs (e.g.
	// CodeNotStored), where the message is for people.
	Code string
}

// Codes of a failed publish (503): whether the events may have been stored.
const (
	// CodeNotStored: nothing was stored; publish again (a new id is fine).
	CodeNotStored = wire.CodeNotStored
	// CodeOutcomeUnknown: the broker may have stored the events; publish again with the
	// same id, so a stored event is not stored twice.
	CodeOutcomeUnknown = wire.CodeOutcomeUnknown
)

func (e *Error) Error() string { return e.Msg }

// HTTPStatus returns the status the hub answers with.
func (e *Error) HTTPStatus() int { return e.Status }

func errorf(status int, msg string) *Error { return &Error{Status: status, Msg: msg} }

// statusOf returns the HTTP status for err: its HTTPStatus() if it has one, else def.
func statusOf(err error, def int) int {
	var s interface{ HTTPStatus() int }
	if errors.As(err, &s) {
		if st := s.HTTPStatus(); st >= 400 && st <= 599 {
			return st
		}
	}
	return def
}

// writeError answers {"error": "..."} with err's status (def when it has none).
func writeError(w http.ResponseWriter, err error, def int) {
	status := statusOf(err, def)
	var he *Error
	if errors.As(err, &he) && he.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((he.RetryAfter+time.Second-1)/time.Second)))
	} else if (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1")
	}
	body := wire.ErrorBody{Error: err.Error()}
	if he != nil {
		body.Code = he.Code
	}
	writeJSON(w, status, body)
}

// writeAuthError is writeError for an Authorizer's refusal. A 401 carries the challenge
// RFC 6750 asks for: WWW-Authenticate: Bearer realm="herald", with error="invalid_token"
// when the request did carry credentials (a header, ?token= or the token cookie).
func writeAuthError(w http.ResponseWriter, r *http.Request, err error) {
	if statusOf(err, http.StatusUnauthorized) == http.StatusUnauthorized {
		challenge := `Bearer realm="herald"`
		if hasCredentials(r) {
			challenge += `, error="invalid_token"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
	}
	writeError(w, err, http.StatusUnauthorized)
}

// hasCredentials reports whether r carries a token (or an Authorization header in a scheme
// the hub does not take).
func hasCredentials(r *http.Request) bool {
	tok, err := wire.Token(r)
	return tok != "" || err != nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // error messages quote <key> and the like; JSON needs no escaping
	var b []byte
	if err := enc.Encode(v); err != nil {
		status, b = http.StatusInternalServerError, []byte("{\"error\":\"encoding the answer failed\"}\n")
	} else {
		b = buf.Bytes()
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(b)
}
