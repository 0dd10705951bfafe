package cli

import (
	"bufio"
	"context"
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServeTLSOffersHTTP2: `herald serve` with TLS offers h2 by ALPN, so a browser can hold
// more than 6 event streams to it, and a stream over h2 carries events.
func TestServeTLSOffersHTTP2(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	out, errs := &syncBuffer{}, &syncBuffer{}
	env := &Env{Stdin: strings.NewReader(""), Stdout: out, Stderr: errs}
	var o serveFlags
	if err := o.flagSet().Parse([]string{"--addr", "127.0.0.1:0", "--key", secKey, "--tls-self-signed"}); err != nil {
		t.Fatal(err)
	}
	log, _ := newLogger(env, "warn", "text")
	done := make(chan error, 1)
	go func() { done <- serve(ctx, env, &o, log) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	base := waitBanner(t, "https", out, errs, done)
	tr := &http.Transport{ForceAttemptHTTP2: true, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	defer tr.CloseIdleConnections()
	c := &http.Client{Timeout: 10 * time.Second, Transport: tr}
	resp, err := c.Get(base + "/events?channel=h2")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.TLS == nil || resp.TLS.NegotiatedProtocol != "h2" {
		t.Fatalf("got %s (ALPN %q); want HTTP/2 negotiated with h2", resp.Proto, resp.TLS.NegotiatedProtocol)
	}
	r := bufio.NewReader(resp.Body)
	if st, msg, _ := httpDo(t, c, "POST", base+"/publish", secKey, `{"channel":"h2","event":"secure","data":"over h2"}`); st != 200 {
		t.Fatalf("publish over h2: %d %q", st, msg)
	}
	if got := readData(t, r, "secure"); got != "over h2" {
		t.Fatalf("got %q", got)
	}
}
