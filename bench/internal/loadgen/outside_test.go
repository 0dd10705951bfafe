package loadgen

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/heraldhq/herald/bench/internal/payload"
)

// TestRunPublisher checks the publisher process's loop: every sequence number posted once,
// with the token, and a DONE line that counts them.
func TestRunPublisher(t *testing.T) {
	for _, conns := range []int{1, 3} {
		var got atomic.Int64
		seen := make([]atomic.Bool, 50)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			seq, _, ok := payload.Parse(b)
			if !ok || r.Header.Get("Authorization") != "Bearer tok" || seq < 0 || seq >= 50 || seen[seq].Swap(true) {
				http.Error(w, "bad event", http.StatusBadRequest)
				return
			}
			got.Add(1)
			w.WriteHeader(http.StatusNoContent)
		}))
		var out bytes.Buffer
		RunPublisher(context.Background(), &out, srv.URL, "tok", 50, 64, conns, 0)
		srv.Close()
		f := strings.Fields(out.String())
		if len(f) != 4 || f[0] != "DONE" || f[1] != "50" || got.Load() != 50 {
			t.Fatalf("conns %d: output %q, server got %d events, want DONE 50 START END and 50", conns, out.String(), got.Load())
		}
	}
}

// TestPublisherReportsRefusal checks that a refused publish ends the run with its reason.
func TestPublisherReportsRefusal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "too many", http.StatusTooManyRequests)
	}))
	defer srv.Close()
	var out bytes.Buffer
	RunPublisher(context.Background(), &out, srv.URL, "", 5, 64, 1, 0)
	if !strings.HasPrefix(out.String(), "DONE 0 ") || !strings.Contains(out.String(), "429") {
		t.Fatalf("output %q, want DONE 0 ... with the 429", out.String())
	}
}

// TestWriteCalls checks that syscw counts this process's write calls.
func TestWriteCalls(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "w"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w0, err := WriteCalls(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := f.WriteString(strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	w1, err := WriteCalls(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if w1-w0 < 10 {
		t.Fatalf("syscw grew by %d over 10 writes", w1-w0)
	}
}
