package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/peer"
	"github.com/heraldhq/herald/server/redisbroker"
)

// TestServeFlagHints: a library error that names no flag reaches the user of herald serve
// with the flag that fixes it, and still matches the library's sentinel.
func TestServeFlagHints(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		is       error
		wantHint string
	}{
		{"bad trusted proxy", []string{"--key", secKey, "--trusted-proxy", "10.0.0.1,10.0.0.0/33"}, peer.ErrBadProxy,
			`--trusted-proxy "10.0.0.0/33" is not a CIDR or an address`},
		{"redis URL with another scheme", []string{"--addr", "127.0.0.1:0", "--key", secKey, "--redis", "http://x"}, redisbroker.ErrBadURL,
			"--redis: redis URL is not valid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := serveErr(t, tc.args...)
			if !errors.Is(err, tc.is) || !strings.Contains(fmtErr(err), tc.wantHint) {
				t.Fatalf("serve: %v; want an error matching %v that says %q", err, tc.is, tc.wantHint)
			}
			var stderr bytes.Buffer
			env := &Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &stderr}
			if code := runServe(env, tc.args); code != 1 || !strings.Contains(stderr.String(), tc.wantHint) {
				t.Fatalf("herald serve exited %d with %q; want 1 and %q", code, stderr.String(), tc.wantHint)
			}
		})
	}
}

// TestRedisHint covers the Redis errors that cannot be provoked from the command line at
// start (an empty URL means no Redis; an unreachable Redis is logged, the hub serves on).
func TestRedisHint(t *testing.T) {
	_, noURL := redisbroker.New(redisbroker.Options{})
	down := &redisbroker.Error{Addr: "127.0.0.1:1", Op: "PING failed", Err: errors.New("connection refused")}
	other := errors.New("something else")
	tests := []struct {
		name string
		err  error
		is   error
		want string
	}{
		{"empty URL", noURL, redisbroker.ErrNoURL, "--redis: redis URL is empty"},
		{"unreachable", down, redisbroker.ErrUnavailable, "the Redis URL is right (the URL given with --redis)"},
		{"unrelated error untouched", other, other, "something else"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if strings.Contains(tc.err.Error(), "--") {
				t.Errorf("library error %q names a flag", tc.err)
			}
			got := flagHint(tc.err)
			if !errors.Is(got, tc.is) || !strings.Contains(got.Error(), tc.want) {
				t.Errorf("flagHint(%q) = %q; want it to match %v and contain %q", tc.err, got, tc.is, tc.want)
			}
			if tc.err == other && got != other {
				t.Errorf("flagHint changed an error it has no hint for: %q", got)
			}
		})
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestServeLogsRedisHint: with Redis down the hub serves on and logs the failure; the log
// line names --redis, and other errors and attributes pass through as they were.
func TestServeLogsRedisHint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "redis://" + ln.Addr().String() + "/0" // nothing listens once closed
	ln.Close()
	var o serveFlags
	if err := o.flagSet().Parse([]string{"--addr", "127.0.0.1:0", "--key", secKey, "--redis", down, "--advertise=false"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errs := &syncBuffer{}
	env := &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: errs}
	log, _ := newLogger(env, "warn", "text")
	done := make(chan error, 1)
	go func() { done <- serve(ctx, env, &o, log) }()
	const hint = "the Redis URL is right (the URL given with --redis)"
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(errs.String(), hint) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	if !strings.Contains(errs.String(), hint) {
		t.Fatalf("log lacks %q:\n%s", hint, errs)
	}

	var buf bytes.Buffer
	l := slog.New(hintHandler{slog.NewTextHandler(&buf, nil)})
	redisErr := &redisbroker.Error{Addr: "h:1", Op: "PING failed", Err: errors.New("refused")}
	l.With("cause", redisErr).Info("with", "n", 5, "err", errors.New("plain"))
	if got := buf.String(); strings.Count(got, "(the URL given with --redis)") != 1 || !strings.Contains(got, "n=5 err=plain") {
		t.Errorf("hinted log line %q: want the hint once, other attributes untouched", got)
	}
}
