package guard

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// selfSignedValidity is how long a generated certificate lasts; it is renewed when less than
// selfSignedRenew remains, or when the machine's addresses are no longer all covered.
const (
	selfSignedValidity = 365 * 24 * time.Hour
	selfSignedRenew    = 30 * 24 * time.Hour
)

// ErrIncompletePair is TLSConfig's error when the certificate or the key file is missing.
var ErrIncompletePair = errors.New("TLS needs both a certificate and a key file")

// ErrNoConfigDir is DefaultTLSDir's error when the system names no user config folder.
var ErrNoConfigDir = errors.New("cannot find the user config folder for the TLS certificate")

// TLSConfig loads a certificate and key (PEM files) and returns a server configuration with
// modern defaults (TLS 1.2 or newer) that offers HTTP/2 (ALPN h2) and HTTP/1.1.
func TLSConfig(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" || keyFile == "" {
		return nil, ErrIncompletePair
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("loading the TLS certificate %s and key %s: %w", certFile, keyFile, err)
	}
	// h2 first: over HTTP/2 a browser opens any number of event streams to the hub on one
	// connection; over HTTP/1.1 it allows only 6 per origin, and a seventh tab waits.
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}}, nil
}

// DefaultTLSDir is where a self-signed certificate is kept: herald/tls in the user's config
// folder.
func DefaultTLSDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("%w (%v)", ErrNoConfigDir, err)
	}
	return filepath.Join(dir, "herald", "tls"), nil
}

// LocalHosts returns the names a self-signed certificate should cover: localhost, the
// loopback addresses, the machine's host name and its non-loopback interface addresses.
func LocalHosts() []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if h, err := os.Hostname(); err == nil && h != "" {
		hosts = append(hosts, h)
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.IsGlobalUnicast() {
				hosts = append(hosts, ipn.IP.String())
			}
		}
	}
	slices.Sort(hosts)
	return slices.Compact(hosts)
}

// SelfSigned returns the paths of a self-signed ECDSA P-256 certificate and key kept in dir
// (cert.pem, key.pem; key mode 0600), valid for hosts. It reuses the kept certificate while it
// covers all hosts and has more than 30 days left, so browsers that were told to trust it keep
// trusting it; otherwise it makes a new one.
func SelfSigned(dir string, hosts []string) (certFile, keyFile string, err error) {
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if reusable(certFile, keyFile, hosts) {
		return certFile, keyFile, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", fmt.Errorf("creating the TLS folder: %w", err)
	}
	certPEM, keyPEM, err := newSelfSigned(hosts, time.Now())
	if err != nil {
		return "", "", err
	}
	// Key first, both via rename, so a crash never leaves a certificate with a foreign key.
	if err := writeAtomic(keyFile, keyPEM, 0o600); err != nil {
		return "", "", fmt.Errorf("saving the TLS key: %w", err)
	}
	if err := writeAtomic(certFile, certPEM, 0o644); err != nil {
		return "", "", fmt.Errorf("saving the TLS certificate: %w", err)
	}
	return certFile, keyFile, nil
}

// reusable reports whether the kept pair loads, matches, covers hosts and is not near expiry.
func reusable(certFile, keyFile string, hosts []string) bool {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return false
	}
	c, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil || time.Until(c.NotAfter) < selfSignedRenew {
		return false
	}
	for _, h := range hosts {
		if c.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

func newSelfSigned(hosts []string, now time.Time) (certPEM, keyPEM []byte, err error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"Herald hub (self-signed)"}, CommonName: "herald"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(selfSignedValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		// Not a CA: a user who trusts this certificate trusts only this hub, and a stolen
		// key.pem cannot sign certificates for other sites.
		IsCA: false,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return nil, nil, fmt.Errorf("making a self-signed certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// Fingerprint returns the SHA-256 fingerprint of the first certificate in a PEM file, in the
// colon-separated form browsers show, so a teammate can check the certificate they are asked
// to accept.
func Fingerprint(certFile string) (string, error) {
	b, err := os.ReadFile(certFile)
	if err != nil {
		return "", err
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		return "", fmt.Errorf("%s holds no PEM certificate", certFile)
	}
	sum := sha256.Sum256(block.Bytes)
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	parts := make([]string, 0, len(sum))
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, ":"), nil
}

func writeAtomic(path string, data []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
