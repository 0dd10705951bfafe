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

// Range over a stream that is already at hand.
func ExampleParser_All() {
	p := sseclient.NewParser(strings.NewReader("event: a\ndata: 1\n\ndata: 2\n\n"))
	for e, err := range p.All() {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Type, e.Data)
	}
	// Output:
	// a 1
	// message 2
}

// The line cap applies to a field's value: "data: " does not count against it, so a 1 MiB
// value passes a 1 MiB cap and one byte more does not.
func ExampleWithMaxLineSize() {
	for _, size := range []int{1 << 20, 1<<20 + 1} {
		stream := "data: " + strings.Repeat("x", size) + "\n\n"
		p := sseclient.NewParser(strings.NewReader(stream), sseclient.WithMaxLineSize(1<<20))
		e, err := p.Next()
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(len(e.Data), "bytes")
	}
	// Output:
	// 1048576 bytes
	// sseclient: a line's value is longer than 1048576 bytes (MaxLineSize); raise the limit if the server really sends that much
}

// Report comments, such as a server's keep-alives, as the parser reads them.
func ExampleWithCommentFunc() {
	stream := ": keep-alive\ndata: hello\n\n:bye\n"
	p := sseclient.NewParser(strings.NewReader(stream),
		sseclient.WithCommentFunc(func(text string) { fmt.Printf("comment %q\n", text) }))
	for e, err := range p.All() {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("event", e.Data)
	}
	// Output:
	// comment " keep-alive"
	// event hello
	// comment "bye"
}
