package sseclient_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/heraldhq/herald/sseclient"
)

// once serves handler on the first request and 204 No Content (stop for good) after it.
func once(handler http.HandlerFunc) *httptest.Server {
	var served atomic.Int32
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1) > 1 {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		handler(w, r)
	}))
}

// Stream the answer to a POST, as LLM APIs do: Body is sent again on every reconnect, and
// Method may be any other (REPORT, PUT, ...).
func ExampleClient_post() {
	srv := once(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "data: %s %s %s\n\n", r.Method, r.Header.Get("Content-Type"), body)
	})
	defer srv.Close()

	c := &sseclient.Client{
		URL:    srv.URL,
		Body:   []byte(`{"prompt":"hello"}`), // without Method: POST
		Header: http.Header{"Content-Type": {"application/json"}},
		Retry:  sseclient.NoRetryDelay,
	}
	for e, err := range c.Events(context.Background()) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Data)
	}
	// Output:
	// POST application/json {"prompt":"hello"}
}

// Build each attempt's request yourself, here to send a freshly minted token every time the
// client reconnects.
func ExampleClient_newRequest() {
	var connections atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if connections.Add(1) > 2 {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "retry: 0\nid: %d\ndata: %s, resuming after %q\n\n",
			connections.Load(), r.Header.Get("Authorization"), r.Header.Get("Last-Event-ID"))
	}))
	defer srv.Close()

	minted := 0
	c := &sseclient.Client{
		NewRequest: func(ctx context.Context) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
			if err != nil {
				return nil, err
			}
			minted++ // called from the ranging goroutine, one attempt at a time
			req.Header.Set("Authorization", fmt.Sprintf("Bearer token-%d", minted))
			return req, nil
		},
	}
	for e, err := range c.Events(context.Background()) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Data)
	}
	// Output:
	// Bearer token-1, resuming after ""
	// Bearer token-2, resuming after "1"
}

// See the server's comments, such as keep-alives, as they arrive.
func ExampleClient_onComment() {
	srv := once(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, ": keep-alive\n\n:ping\ndata: news\n\n")
	})
	defer srv.Close()

	c := &sseclient.Client{
		URL:       srv.URL,
		Retry:     sseclient.NoRetryDelay,
		OnComment: func(text string) { fmt.Printf("comment %q\n", text) },
	}
	for e, err := range c.Events(context.Background()) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("event", e.Data)
	}
	// Output:
	// comment " keep-alive"
	// comment "ping"
	// event news
}

// Drop the connection and reconnect at once, keeping the place in the stream (say, after
// the network changed). NoRetryDelay makes the reconnection time an explicit zero (a zero
// Retry means the 3 s default).
func ExampleClient_Restart() {
	var connections atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		switch connections.Add(1) {
		case 1:
			fmt.Fprint(w, "id: 1\ndata: hello\n\n")
			w.(http.Flusher).Flush()
			<-r.Context().Done() // stays open until the client drops it
		case 2:
			fmt.Fprintf(w, "data: resumed after %s\n\n", r.Header.Get("Last-Event-ID"))
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()

	c := &sseclient.Client{
		URL:   srv.URL,
		Retry: sseclient.NoRetryDelay,
		OnState: func(s sseclient.State) {
			if errors.Is(s.Err, sseclient.ErrRestarted) {
				fmt.Println("restarted")
			}
		},
	}
	for e, err := range c.Events(context.Background()) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Data)
		if e.Data == "hello" {
			c.Restart() // any goroutine may call it
		}
	}
	// Output:
	// hello
	// restarted
	// resumed after 1
}

// An HTTPClient with a Timeout bounds only the wait for the response headers: a stream that
// stays open far longer is not cut.
func ExampleClient_httpClientTimeout() {
	srv := once(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: tick 0\n\n")
		w.(http.Flusher).Flush()
		time.Sleep(1500 * time.Millisecond) // three times the Timeout
		fmt.Fprint(w, "data: tick 1\n\n")
	})
	defer srv.Close()

	c := &sseclient.Client{
		URL:        srv.URL,
		HTTPClient: &http.Client{Timeout: 500 * time.Millisecond},
		Retry:      sseclient.NoRetryDelay,
		OnState: func(s sseclient.State) {
			if s.Phase == sseclient.Connecting {
				fmt.Println("connecting")
			}
		},
	}
	for e, err := range c.Events(context.Background()) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Data)
	}
	// Output:
	// connecting
	// tick 0
	// tick 1
	// connecting
}
