package parser

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"

	ld "github.com/launchdarkly/eventsource"
	r3 "github.com/r3labs/sse/v2"
	gosse "github.com/tmaxmax/go-sse"

	"github.com/heraldhq/herald/sseclient"
)

// parseFunc parses a whole stream and calls each with every event's data; it returns the
// number of events.
type parseFunc func(stream []byte, each func(data string)) (int, error)

// parsers lists the contenders, Herald first.
var parsers = []struct {
	name  string
	parse parseFunc
}{
	{"herald", parseHerald},
	{"go-sse", parseGoSSE},
	{"r3labs", parseR3labs},
	{"r3labs-framing", parseR3labsFraming},
	{"launchdarkly", parseLaunchDarkly},
}

// parseHerald uses sseclient.Parser, Herald's own.
func parseHerald(stream []byte, each func(string)) (int, error) {
	p := sseclient.NewParser(bytes.NewReader(stream))
	n := 0
	for {
		ev, err := p.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		each(ev.Data)
		n++
	}
}

// parseGoSSE uses go-sse's sse.Read, its stand-alone stream reader.
func parseGoSSE(stream []byte, each func(string)) (int, error) {
	n := 0
	for ev, err := range gosse.Read(bytes.NewReader(stream), nil) {
		if err != nil {
			return n, err
		}
		each(ev.Data)
		n++
	}
	return n, nil
}

// parseLaunchDarkly uses eventsource.Decoder.
func parseLaunchDarkly(stream []byte, each func(string)) (int, error) {
	d := ld.NewDecoder(bytes.NewReader(stream))
	n := 0
	for {
		ev, err := d.Decode()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		each(ev.Data())
		n++
	}
}

// bodyTransport answers every request with stream as a 200 text/event-stream body: r3labs
// parses fields only inside its Client, so the Client reads from memory through it.
type bodyTransport struct{ stream []byte }

func (t bodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"text/event-stream"}}, Request: req,
		Body: io.NopCloser(bytes.NewReader(t.stream))}, nil
}

// parseR3labs uses r3labs' Client (EventStreamReader framing plus its field parser, which is
// not exported on its own) over an in-memory response. It includes the Client's per-event
// channel hand-off to the handler, which every r3labs user pays.
func parseR3labs(stream []byte, each func(string)) (int, error) {
	c := r3.NewClient("http://bench.invalid/events")
	c.Connection = &http.Client{Transport: bodyTransport{stream}}
	n := 0
	err := c.SubscribeRawWithContext(context.Background(), func(ev *r3.Event) {
		each(string(ev.Data))
		n++
	})
	return n, err
}

// parseR3labsFraming is r3labs' exported EventStreamReader alone: it only splits the stream
// into raw events and parses no field, so it is a lower bound, not a full parser.
func parseR3labsFraming(stream []byte, each func(string)) (int, error) {
	rd := r3.NewEventStreamReader(bytes.NewReader(stream), 1<<16)
	n := 0
	for {
		raw, err := rd.ReadEvent()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if len(raw) > 0 {
			n++
		}
	}
}
