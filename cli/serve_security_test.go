package cli

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const secKey = "serve-security-key-0123456789"

// httpDo sends a request and returns status, JSON error (if any) and headers.
func httpDo(t *testing.T, c *http.Client, method, u, token, body string) (int, string, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, u, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct{ Error string }
	_ = json.Unmarshal(b, &e)
	return resp.StatusCode, e.Error, resp.Header
}

// readData reads a stream until the first "data:" line of an event of type typ.
func readData(t *testing.T, r *bufio.Reader, typ string) string {
	t.Helper()
	inType := false
	for range 200 {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "event: "+typ:
			inType = true
		case inType && strings.HasPrefix(line, "data: "):
			return strings.TrimPrefix(line, "data: ")
		case line == "":
			inType = false
		}
	}
	t.Fatalf("no %s event in 200 lines", typ)
	return ""
}

// TestServeInviteFlow is the "done when": a teammate given an invite token can
// subscribe with the link's token on a private hub and cannot publish outside its patterns.
func TestServeInviteFlow(t *testing.T) {
	base, _ := startServe(t, "--key", secKey, "--private", "--public", "news.*")
	c := &http.Client{Timeout: 10 * time.Second}
	defer c.CloseIdleConnections()

	if st, msg, _ := httpDo(t, c, "GET", base+"/events?channel=team.chat", "", ""); st != 401 || !strings.Contains(msg, "private") {
		t.Fatalf("private channel without a token: %d %q", st, msg)
	}
	if st, _, h := httpDo(t, c, "GET", base+"/", "", ""); st != 200 || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'self'") || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("dashboard: %d, headers %v", st, h)
	}

	code, out, errOut := runCLI(t, "token", "--key", secKey, "--subscribe", "team.*", "--publish", "team.chat", "--ttl", "1h", "--url", base)
	if code != 0 {
		t.Fatalf("herald token: %d %s", code, errOut)
	}
	tok := strings.TrimSpace(out)
	m := regexp.MustCompile(`Invite link: (\S+)`).FindStringSubmatch(errOut)
	if m == nil {
		t.Fatalf("no invite link in %q", errOut)
	}
	link, err := url.Parse(m[1])
	if err != nil || link.Query().Get("token") != tok {
		t.Fatalf("invite link %q", m[1])
	}
	if st, _, _ := httpDo(t, c, "GET", m[1], "", ""); st != 200 {
		t.Fatalf("invite link opens with %d", st)
	}

	// The dashboard subscribes with the link's token as ?token=.
	resp, err := c.Get(base + "/events?channel=team.*&token=" + url.QueryEscape(tok))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("subscribe with the invite token: %d", resp.StatusCode)
	}
	r := bufio.NewReader(resp.Body)
	if st, msg, _ := httpDo(t, c, "POST", base+"/publish", tok, `{"channel":"team.chat","event":"say","data":"hi"}`); st != 200 {
		t.Fatalf("publish inside the token's pattern: %d %q", st, msg)
	}
	if got := readData(t, r, "say"); got != "hi" {
		t.Fatalf("subscriber got %q", got)
	}
	for _, ch := range []string{"team.other", "news.x", "alerts"} {
		st, msg, _ := httpDo(t, c, "POST", base+"/publish", tok, `{"channel":"`+ch+`","data":"no"}`)
		if st != 403 || !strings.Contains(msg, "may not publish") || strings.Contains(msg, tok) {
			t.Errorf("publish to %s outside the token: %d %q", ch, st, msg)
		}
	}
	var stats struct {
		Guard struct {
			Limits map[string]struct{ Burst int }
		}
	}
	resp2, err := c.Get(base + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp2.Body).Decode(&stats)
	resp2.Body.Close()
	if stats.Guard.Limits["connectPerIp"].Burst != 200 {
		t.Errorf("/stats guard limits %+v", stats.Guard.Limits)
	}
}

// serveErr runs serve with args and returns its error; bad flags fail before listening.
func serveErr(t *testing.T, args ...string) error {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	var o serveFlags
	fs := o.flagSet()
	fs.SetOutput(io.Discard)
	if err := fs.Parse(append([]string{"--addr", "127.0.0.1:0"}, args...)); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a config that passes would serve until ctx ends: end it at once
	env := &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard}
	log, _ := newLogger(env, "error", "text")
	return serve(ctx, env, &o, log)
}

func TestServeSecurityFlagErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"bad public pattern", []string{"--key", secKey, "--public", "news*"}, "--public"},
		{"bad cors origin", []string{"--key", secKey, "--cors-origin", "example.com"}, "not an origin"},
		{"cors origin with a path", []string{"--key", secKey, "--cors-origin", "https://a.example/app"}, "no path"},
		{"short key", []string{"--key", "short"}, "at least 16"},
		{"negative rate", []string{"--key", secKey, "--publish-rate", "-1"}, "must not be negative"},
		{"history smaller than two events", []string{"--key", secKey, "--history-bytes", "1000"}, "--history-bytes 1000 must be at least twice --max-event-bytes (65536)"},
		{"negative per-IP limit", []string{"--key", secKey, "--max-per-ip", "-1"}, "--max-per-ip -1 must not be negative"},
		{"both TLS modes", []string{"--key", secKey, "--tls-self-signed", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, "either"},
		{"cert without key", []string{"--key", secKey, "--tls-cert", "c.pem"}, "both --tls-cert and --tls-key"},
		{"missing cert files", []string{"--key", secKey, "--tls-cert", "/nonexistent/c.pem", "--tls-key", "/nonexistent/k.pem"}, "loading the TLS certificate"},
		{"bad trusted proxy", []string{"--key", secKey, "--trusted-proxy", "10.0.0.0/33"}, `--trusted-proxy "10.0.0.0/33" is not a CIDR`},
		{"good flags", []string{"--key", secKey, "--private", "--public", "a.*,b", "--cors-origin", "https://a.example", "--cors-origin", "*",
			"--trusted-proxy", "127.0.0.1,10.0.0.0/8", "--trusted-proxy", "::1"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := serveErr(t, tc.args...)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestServeSelfSignedTLS(t *testing.T) {
	cfgDir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfgDir)
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
	if !strings.Contains(out.String(), "SHA-256") {
		t.Errorf("banner lacks the certificate fingerprint: %q", out.String())
	}
	pem, err := os.ReadFile(filepath.Join(cfgDir, "herald", "tls", "cert.pem"))
	if err != nil {
		t.Fatalf("certificate not kept in the config folder: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer c.CloseIdleConnections()

	resp, err := c.Get(base + "/events?channel=tls")
	if err != nil {
		t.Fatalf("subscribe over TLS: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Fatalf("status %d, TLS %v", resp.StatusCode, resp.TLS != nil)
	}
	r := bufio.NewReader(resp.Body)
	if st, msg, _ := httpDo(t, c, "POST", base+"/publish", secKey, `{"channel":"tls","event":"secure","data":"over TLS"}`); st != 200 {
		t.Fatalf("publish over TLS: %d %q", st, msg)
	}
	if got := readData(t, r, "secure"); got != "over TLS" {
		t.Fatalf("got %q", got)
	}
}
