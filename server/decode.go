package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/heraldhq/herald/server/topic"
	"github.com/heraldhq/herald/server/wire"
)

// Longest event name and publisher key the hub accepts.
const (
	maxEventNameLen = 128
	maxKeyLen       = 256
)

// DecodePublish turns a POST /publish request into messages, checked and ready to publish.
// contentType selects the form: application/json (or any +json type) is one JSON object, or
// an array of them published in order (batch reports which); text/plain (and curl's default
// application/x-www-form-urlencoded) is the data of one event whose channel, event, id and
// retry come from query; a missing Content-Type is JSON when the body starts with '{' or
// '[' and text otherwise. In JSON, channel and event fall back to the query's values too.
//
// Every error is an *Error with status 400 (malformed), 413 (too large) or 415 (unknown
// content type) and a message that says what to fix. It is a pure function, so it can be
// fuzzed.
func DecodePublish(contentType string, query url.Values, body []byte, lim Limits) (msgs []Message, batch bool, err error) {
	if lim.MaxBodyBytes > 0 && int64(len(body)) > lim.MaxBodyBytes {
		return nil, false, errorf(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is %d bytes; the limit is %d (send fewer events per request)", len(body), lim.MaxBodyBytes))
	}
	kind, err := bodyKind(contentType, body)
	if err != nil {
		return nil, false, err
	}
	def := Message{Channel: query.Get(wire.QueryChannel), Event: query.Get(wire.QueryEvent)}
	if kind == "text" {
		if len(body) == 0 {
			return nil, false, errorf(http.StatusBadRequest, `the body is empty; send the event's data as text, or JSON {"channel":"...","data":...}`)
		}
		m := def
		m.Key = query.Get(wire.QueryKey)
		m.Data = string(body)
		if r := query.Get(wire.QueryRetry); r != "" {
			n, err := strconv.Atoi(r)
			if err != nil {
				return nil, false, errorf(http.StatusBadRequest, fmt.Sprintf("query retry=%q is not a whole number of milliseconds", clip(r)))
			}
			m.Retry = n
		}
		if err := checkMessage(&m, lim); err != nil {
			return nil, false, err
		}
		return []Message{m}, false, nil
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	// Data is kept raw: a JSON string is the data itself, any other JSON value is sent as
	// its (compacted) JSON text.
	var reqs []*wire.PublishRequest // pointers, so a JSON null is told apart from an object
	if len(trimmed) > 0 && trimmed[0] == '[' {
		batch = true
		err = decodeStrict(body, &reqs)
	} else {
		var one *wire.PublishRequest
		err = decodeStrict(body, &one)
		reqs = []*wire.PublishRequest{one}
	}
	if err != nil {
		return nil, false, err
	}
	if len(reqs) == 0 {
		return nil, true, errorf(http.StatusBadRequest, "the batch is empty; send at least one event")
	}
	if lim.MaxBatch > 0 && len(reqs) > lim.MaxBatch {
		return nil, true, errorf(http.StatusRequestEntityTooLarge, fmt.Sprintf("the batch has %d events; the limit is %d per request", len(reqs), lim.MaxBatch))
	}
	msgs = make([]Message, len(reqs))
	for i, w := range reqs {
		if w == nil {
			return nil, batch, where(batch, i, errorf(http.StatusBadRequest, `the event is null; send an object {"channel":"...","data":...}`))
		}
		m := Message{Channel: w.Channel, Event: w.Event, Key: w.Key, Retry: w.Retry}
		if m.Channel == "" {
			m.Channel = def.Channel
		}
		if m.Event == "" {
			m.Event = def.Event
		}
		if m.Data, err = rawData(w.Data); err != nil {
			return nil, batch, where(batch, i, err)
		}
		if err := checkMessage(&m, lim); err != nil {
			return nil, batch, where(batch, i, err)
		}
		msgs[i] = m
	}
	return msgs, batch, nil
}

// bodyKind returns "json" or "text" for the request's Content-Type.
func bodyKind(contentType string, body []byte) (string, error) {
	if strings.TrimSpace(contentType) == "" {
		t := bytes.TrimLeft(body, " \t\r\n")
		if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
			return "json", nil
		}
		return "text", nil
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", errorf(http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %q cannot be parsed; use application/json or text/plain", clip(contentType)))
	}
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return "json", nil
	case mt == "text/plain":
		return "text", nil
	case mt == "application/x-www-form-urlencoded":
		// curl -d sends this by default; its body is taken as-is, like text/plain, except
		// that a JSON-looking body is JSON (the usual `curl -d '{...}'`).
		return bodyKind("", body)
	}
	return "", errorf(http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %q is not supported; use application/json (an event or an array of events) or text/plain (the data of one event)", clip(mt)))
}

// decodeStrict decodes exactly one JSON value into v, rejecting unknown fields and
// trailing data, with errors that point at the problem.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return errorf(http.StatusBadRequest, `the body is empty; send {"channel":"...","data":...}`)
		case errors.As(err, &te):
			return errorf(http.StatusBadRequest, fmt.Sprintf("JSON field %q has the wrong type (%s); want an object {\"channel\",\"event\",\"data\",\"id\",\"retry\"} or an array of them", te.Field, te.Value))
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return errorf(http.StatusBadRequest, strings.TrimPrefix(err.Error(), "json: ")+"; the fields are channel, event, data, id and retry")
		}
		return errorf(http.StatusBadRequest, "the body is not valid JSON: "+strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errorf(http.StatusBadRequest, "the body has data after its JSON value; send one object or one array")
	}
	return nil
}

// rawData returns the event data for a JSON "data" value.
func rawData(raw json.RawMessage) (string, error) {
	if len(raw) == 0 {
		// No "data" key at all is almost always a mistake (a misspelt or forgotten
		// field); an empty event is still possible, explicitly.
		return "", errorf(http.StatusBadRequest, `data is required: add "data" to the event (a string or any JSON value; "data": "" sends an empty event)`)
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", errorf(http.StatusBadRequest, "data is not a valid JSON string")
		}
		return s, nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "", errorf(http.StatusBadRequest, "data is not valid JSON")
	}
	return b.String(), nil
}

// checkMessage validates m and fills in the default channel.
func checkMessage(m *Message, lim Limits) error {
	if m.Channel == "" {
		m.Channel = topic.Default
	}
	if err := topic.ValidName(m.Channel); err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	if len(m.Channel) >= len(topic.ReservedPrefix) && strings.EqualFold(m.Channel[:len(topic.ReservedPrefix)], topic.ReservedPrefix) {
		return errorf(http.StatusBadRequest, fmt.Sprintf("channel names starting with %q are reserved for the hub; pick another name", topic.ReservedPrefix))
	}
	if len(m.Event) > maxEventNameLen {
		return errorf(http.StatusBadRequest, fmt.Sprintf("event name is %d bytes; the limit is %d", len(m.Event), maxEventNameLen))
	}
	if strings.ContainsAny(m.Event, "\r\n\x00") {
		return errorf(http.StatusBadRequest, "event name contains CR, LF or NUL, which would inject SSE fields; use a single-line name")
	}
	if len(m.Event) >= len(topic.ReservedPrefix) && strings.EqualFold(m.Event[:len(topic.ReservedPrefix)], topic.ReservedPrefix) {
		return errorf(http.StatusBadRequest, fmt.Sprintf("event names starting with %q are reserved for the hub's control events; pick another name", topic.ReservedPrefix))
	}
	if !utf8.ValidString(m.Event) {
		return errorf(http.StatusBadRequest, "event name is not valid UTF-8")
	}
	if len(m.Key) > maxKeyLen {
		return errorf(http.StatusBadRequest, fmt.Sprintf("id is %d bytes; the limit is %d", len(m.Key), maxKeyLen))
	}
	if strings.ContainsAny(m.Key, "\r\n\x00") {
		return errorf(http.StatusBadRequest, "id contains CR, LF or NUL; use a single-line id")
	}
	if m.Retry < 0 {
		return errorf(http.StatusBadRequest, fmt.Sprintf("retry is %d; use a positive number of milliseconds, or leave it out", m.Retry))
	}
	if lim.MaxEventBytes > 0 && len(m.Data) > lim.MaxEventBytes {
		return errorf(http.StatusRequestEntityTooLarge, fmt.Sprintf("data is %d bytes; the limit is %d per event", len(m.Data), lim.MaxEventBytes))
	}
	if !utf8.ValidString(m.Data) {
		return errorf(http.StatusBadRequest, "data is not valid UTF-8; SSE carries text, so encode binary data (e.g. base64)")
	}
	return nil
}

// where prefixes a batch element's error with its index.
func where(batch bool, i int, err error) error {
	if !batch {
		return err
	}
	var e *Error
	if errors.As(err, &e) {
		return &Error{Status: e.Status, Msg: fmt.Sprintf("event %d of the batch: %s", i, e.Msg)}
	}
	return err
}

// clip keeps client-supplied text in error messages short.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
