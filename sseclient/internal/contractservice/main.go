// Command contractservice is a test service for LaunchDarkly's SSE contract tests
// (github.com/launchdarkly/sse-contract-tests): it speaks their test-service protocol and
// runs an sseclient.Client for every stream the harness asks for, so the real suite can
// check the client. Run it, then the harness:
//
//	go run ./sseclient/internal/contractservice -addr 127.0.0.1:8000 &
//	sse-contract-tests --url http://127.0.0.1:8000
//
// See docs/client.md for what it declares and why.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "`host:port` to listen on")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("contractservice: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tr := &http.Transport{}
	svc := newService(&http.Client{Transport: tr}, stop)
	srv := &http.Server{Handler: svc}
	go func() {
		<-ctx.Done()
		svc.shutdown()
		_ = srv.Close()
	}()
	fmt.Printf("contractservice: listening on http://%s\n", ln.Addr())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatalf("contractservice: %v", err)
	}
	tr.CloseIdleConnections()
}
