package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"

	"github.com/heraldhq/herald/bench/internal/hubproc"
	"github.com/heraldhq/herald/bench/internal/hubs"
	"github.com/heraldhq/herald/bench/internal/loadgen"
)

// serveHub is the hub process: it serves hub name on addr (and its control API on another
// loopback port) until SIGTERM, or until its standard input closes (the load generator is
// gone), or for 10 minutes at most. Its first line of output is "LISTEN HUBADDR CTLADDR".
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
	cln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the control API: %w", err)
	}
	ctl := hubproc.New(h)
	srv := &http.Server{Handler: h.Handler(), ReadHeaderTimeout: 10 * time.Second}
	csrv := &http.Server{Handler: ctl, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ctl.Listener(ln)) }()
	go func() { errc <- csrv.Serve(cln) }()
	fmt.Printf("LISTEN %s %s\n", ln.Addr(), cln.Addr())

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
		// Where the resident memory is, beyond the live heap the profile shows.
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		summary := fmt.Sprintf("goroutines %d\nheap in use %d\nheap idle %d (released to the OS %d)\nstacks in use %d\nother runtime (mspan, mcache, gc, other) %d\nsys total %d\n",
			runtime.NumGoroutine(), m.HeapInuse, m.HeapIdle, m.HeapReleased, m.StackInuse,
			m.MSpanInuse+m.MCacheInuse+m.GCSys+m.OtherSys, m.Sys)
		_ = os.WriteFile(memprofile+".txt", []byte(summary), 0o644)
	}
	// No graceful shutdown: stuck subscribers would hold it up, and nothing is measured now.
	_ = srv.Close()
	_ = csrv.Close()
	ctl.Close(time.Second)
	closed := make(chan struct{})
	go func() { _ = h.Close(); close(closed) }() // a stalled hub may never finish closing
	select {
	case <-closed:
	case <-time.After(time.Second):
	}
	return nil
}
