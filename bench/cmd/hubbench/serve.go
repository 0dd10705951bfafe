package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"

	"github.com/heraldhq/herald/bench/internal/hubproc"
	"github.com/heraldhq/herald/bench/internal/hubs"
	"github.com/heraldhq/herald/bench/internal/loadgen"
)

// serveHub is the hub process: it serves hub name on addr until SIGTERM, or until its
// standard input closes (the load generator is gone), or for 10 minutes at most.
func serveHub(name, addr, cpuprofile, memprofile string) error {
	need, _ := strconv.ParseUint(os.Getenv("HUBBENCH_NOFILE"), 10, 64)
	if err := loadgen.RaiseFileLimit(need); err != nil {
		return err
	}
	h, err := hubs.New(name)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	stopProfile := func() {}
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return fmt.Errorf("create the CPU profile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
	}
	ctl := hubproc.New(h)
	srv := &http.Server{Handler: ctl, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Printf("LISTEN %s\n", ln.Addr())

	stdinClosed := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stdinClosed) }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	select {
	case <-sig:
	case <-stdinClosed:
	case <-time.After(10 * time.Minute):
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	stopProfile()
	if memprofile != "" {
		if f, err := os.Create(memprofile); err == nil {
			_ = pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
		}
	}
	// No graceful shutdown: stuck subscribers would hold it up, and nothing is measured now.
	_ = srv.Close()
	ctl.Close(time.Second)
	closed := make(chan struct{})
	go func() { _ = h.Close(); close(closed) }() // a stalled hub may never finish closing
	select {
	case <-closed:
	case <-time.After(time.Second):
	}
	return nil
}
