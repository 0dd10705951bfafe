package guard

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestSelfSignedServesTLS(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	certFile, keyFile, err := SelfSigned(dir, []string{"localhost", "127.0.0.1", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("key file mode: %v %v", fi.Mode(), err)
		}
	}
	cfg, err := TLSConfig(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler:           New(Config{}).Middleware(echo),
		TLSConfig:         cfg,
		ReadHeaderTimeout: 5 * time.Second,
	}
	go srv.ServeTLS(ln, "", "")
	t.Cleanup(func() { srv.Close() })

	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("cert.pem does not parse")
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer client.CloseIdleConnections()
	resp, err := client.Get("https://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatalf("a client trusting the certificate cannot connect: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "ok" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("got %q, headers %v", body, resp.Header)
	}
	// A client that does not trust it is refused: it really is TLS with this certificate.
	if _, err := (&http.Client{Timeout: 10 * time.Second}).Get("https://" + ln.Addr().String() + "/"); err == nil {
		t.Fatal("an untrusting client connected")
	}
}

func TestSelfSignedKeptAndRenewed(t *testing.T) {
	dir := t.TempDir()
	c1, _, err := SelfSigned(dir, []string{"localhost", "10.1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(c1)
	c2, _, err := SelfSigned(dir, []string{"10.1.2.3", "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(c2)
	if !bytes.Equal(first, second) {
		t.Fatal("certificate remade although it still covers every host")
	}
	if _, _, err := SelfSigned(dir, []string{"localhost", "10.9.9.9"}); err != nil {
		t.Fatal(err)
	}
	third, _ := os.ReadFile(c1)
	if bytes.Equal(first, third) {
		t.Fatal("certificate kept although a new LAN address is not covered")
	}
	if !reusable(c1, filepath.Join(dir, "key.pem"), []string{"10.9.9.9"}) {
		t.Fatal("the new certificate does not cover the new address")
	}
	// A broken pair is replaced, not served.
	if err := os.WriteFile(c1, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := SelfSigned(dir, []string{"localhost"}); err != nil {
		t.Fatal(err)
	}
	if !reusable(c1, filepath.Join(dir, "key.pem"), []string{"localhost"}) {
		t.Fatal("broken certificate was not replaced")
	}
}

func TestNearExpiryIsRenewed(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM, err := newSelfSigned([]string{"localhost"}, time.Now().Add(-selfSignedValidity+24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "cert.pem"), certPEM, 0o644)
	os.WriteFile(filepath.Join(dir, "key.pem"), keyPEM, 0o600)
	if reusable(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), []string{"localhost"}) {
		t.Fatal("a certificate with one day left counts as reusable")
	}
}

func TestTLSConfigErrors(t *testing.T) {
	if _, err := TLSConfig("", "k"); !errors.Is(err, ErrIncompletePair) || strings.Contains(err.Error(), "--") {
		t.Errorf("missing cert: %v, want ErrIncompletePair naming no flag", err)
	}
	if _, err := TLSConfig("/nonexistent/c.pem", "/nonexistent/k.pem"); err == nil {
		t.Error("missing files accepted")
	}
}

func TestFingerprint(t *testing.T) {
	dir := t.TempDir()
	c, _, err := SelfSigned(dir, []string{"localhost"})
	if err != nil {
		t.Fatal(err)
	}
	fp, err := Fingerprint(c)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^([0-9A-F]{2}:){31}[0-9A-F]{2}$`).MatchString(fp) {
		t.Fatalf("fingerprint %q", fp)
	}
}

func TestLocalHosts(t *testing.T) {
	hosts := LocalHosts()
	for _, want := range []string{"localhost", "127.0.0.1"} {
		found := false
		for _, h := range hosts {
			found = found || h == want
		}
		if !found {
			t.Errorf("LocalHosts %v lacks %s", hosts, want)
		}
	}
}
