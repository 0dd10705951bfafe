package sseclient_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"

	"github.com/heraldhq/herald/sseclient"
)

// Parse a stream that is already at hand, such as a recorded response body.
func ExampleNewParser() {
	stream := "retry: 2000\n: a comment\nevent: greeting\ndata: hello\ndata: world\n\nid: 7\ndata: {\"n\":1}\n\n"
	p := sseclient.NewParser(strings.NewReader(stream))
	for {
		e, err := p.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s %q id=%q\n", e.Type, e.Data, e.ID)
	}
	retry, _ := p.Retry()
	fmt.Println("retry:", retry)
	// Output:
	// greeting "hello\nworld" id=""
	// message "{\"n\":1}" id="7"
	// retry: 2s
}

// Subscribe to a stream; the client reconnects by itself and the loop ends when the server
// answers 204 No Content (as this one does on the second request), the context ends, or a
// failure that retrying cannot fix.
func ExampleClient_Events() {
	var served atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served.Swap(true) {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "retry: 10\nevent: price\nid: 1\ndata: 42\n\n")
	}))
	defer srv.Close()

	c := &sseclient.Client{
		URL:     srv.URL,
		OnState: func(s sseclient.State) { fmt.Println("state:", s.Phase) },
	}
	for e, err := range c.Events(context.Background()) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Type, e.Data, e.ID)
	}
	// Output:
	// state: connecting
	// state: open
	// price 42 1
	// state: retrying
	// state: connecting
	// state: closed
}
