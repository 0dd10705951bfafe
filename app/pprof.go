package app

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
)

// servePprof serves Go's profiles (/debug/pprof/) on the loopback address named by
// HERALD_PPROF (e.g. 127.0.0.1:6060), for measuring the running app (scripts/desktop-idle
// fetches heap profiles from it). Unset, nothing listens. Only a loopback address is taken:
// the profiles show the app's memory, so they must not reach the network.
func servePprof(log *slog.Logger) {
	addr := os.Getenv("HERALD_PPROF")
	if addr == "" {
		return
	}
	if err := checkLoopback(addr); err != nil {
		log.Warn("HERALD_PPROF ignored", "err", err)
		return
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		log.Warn("HERALD_PPROF", "err", err)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	log.Info("serving Go profiles", "url", "http://"+l.Addr().String()+"/debug/pprof/")
	go http.Serve(l, mux)
}

// checkLoopback accepts host:port only when host is a loopback IP or localhost.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port: use e.g. 127.0.0.1:6060", addr)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q is not a loopback address: use 127.0.0.1:PORT (the profiles must not reach the network)", addr)
	}
	return nil
}
