package cli

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strings"

	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/guard"
	"github.com/heraldhq/herald/server/node"
	"github.com/heraldhq/herald/server/peer"
)

// securityFlags are `herald serve`'s flags for who may read, CORS, rate limits and TLS (see
// docs/security.md). They live here so serve.go only registers and applies them.
type securityFlags struct {
	private             bool
	public, corsOrigins patternList
	trustedProxies      patternList
	connect, publish    guard.Limit
	tlsCert, tlsKey     string
	tlsSelfSigned       bool
	tlsDir              string // where --tls-self-signed keeps its pair; "" means the config folder
}

func (s *securityFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&s.private, "private", false, "every subscription needs a token, except channels listed with --public")
	fs.Var(&s.public, "public", "channel `pattern` anyone may read without a token (repeatable or comma-separated; any --public makes the rest private)")
	fs.Var(&s.corsOrigins, "cors-origin", "`origin` (https://host:port) allowed to use the API, publishing included, from a browser (repeatable; '*' for any). Default: any site may read public channels, none may publish")
	fs.Float64Var(&s.connect.Rate, "connect-rate", guard.DefaultConnect.Rate, "new /events connections per second per client IP (0: no limit)")
	fs.IntVar(&s.connect.Burst, "connect-burst", guard.DefaultConnect.Burst, "burst of new /events connections per client IP")
	fs.Float64Var(&s.publish.Rate, "publish-rate", guard.DefaultPublishPerToken.Rate, "publish requests per second, per token and per client IP (0: no limit)")
	fs.IntVar(&s.publish.Burst, "publish-burst", guard.DefaultPublishPerToken.Burst, "burst of publish requests per token and per client IP")
	fs.Var(&s.trustedProxies, "trusted-proxy", "`CIDR` or address of a reverse proxy in front of the hub (repeatable or comma-separated): only from these peers do Forwarded, X-Forwarded-For and X-Real-IP name the client, for per-IP limits, logs and /stats")
	fs.StringVar(&s.tlsCert, "tls-cert", "", "serve HTTPS with this certificate `file` (PEM; needs --tls-key)")
	fs.StringVar(&s.tlsKey, "tls-key", "", "private key `file` (PEM) for --tls-cert")
	fs.BoolVar(&s.tlsSelfSigned, "tls-self-signed", false, "serve HTTPS with a self-signed certificate for localhost and the LAN addresses, kept in the config folder")
}

// apply checks the flags and sets the node's access rules (scoped tokens, public channels)
// and guard (headers, CORS, rate limits).
func (s *securityFlags) apply(cfg *node.Config) error {
	opts := auth.Options{Private: s.private, Public: s.public}
	if err := opts.Validate(); err != nil {
		return fmt.Errorf("--public: %w", err)
	}
	for _, o := range s.corsOrigins {
		if err := checkOrigin(o); err != nil {
			return err
		}
	}
	if s.connect.Rate < 0 || s.publish.Rate < 0 || s.connect.Burst < 0 || s.publish.Burst < 0 {
		return fmt.Errorf("rate limits must not be negative; use 0 to turn a limit off")
	}
	trusted, err := peer.ParseTrusted(s.trustedProxies)
	if err != nil {
		return proxyHint(err) // serve_hints.go
	}
	cfg.Access = opts
	cfg.Guard = guard.Config{
		CORSOrigins: s.corsOrigins, Connect: s.connect, PublishPerToken: s.publish, PublishPerIP: s.publish,
		TrustedProxies: trusted,
	}
	return nil
}

// checkOrigin accepts "*" or scheme://host[:port], the form browsers send in Origin.
func checkOrigin(o string) error {
	if o == "*" {
		return nil
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.TrimSuffix(u.Path, "/") != "" || u.RawQuery != "" {
		return fmt.Errorf("--cors-origin %q is not an origin; use the form https://host[:port] (no path), or '*'", o)
	}
	return nil
}

// tlsConfig returns the TLS configuration the flags ask for, or nil for plain HTTP, and a
// line to print for users (where the certificate is and its fingerprint).
func (s *securityFlags) tlsConfig() (*tls.Config, string, error) {
	switch {
	case s.tlsSelfSigned && (s.tlsCert != "" || s.tlsKey != ""):
		return nil, "", fmt.Errorf("use either --tls-self-signed or --tls-cert/--tls-key, not both")
	case s.tlsSelfSigned:
		dir := s.tlsDir
		if dir == "" {
			var err error
			if dir, err = guard.DefaultTLSDir(); err != nil {
				return nil, "", fmt.Errorf("%w; pass --tls-cert and --tls-key", err)
			}
		}
		certFile, keyFile, err := guard.SelfSigned(dir, guard.LocalHosts())
		if err != nil {
			return nil, "", err
		}
		cfg, err := guard.TLSConfig(certFile, keyFile)
		if err != nil {
			return nil, "", err
		}
		fp, err := guard.Fingerprint(certFile)
		if err != nil {
			return nil, "", err
		}
		return cfg, fmt.Sprintf("self-signed TLS certificate %s (SHA-256 %s); browsers will ask teammates to accept it", certFile, fp), nil
	case s.tlsCert != "" || s.tlsKey != "":
		cfg, err := guard.TLSConfig(s.tlsCert, s.tlsKey)
		if errors.Is(err, guard.ErrIncompletePair) {
			return nil, "", errors.New("TLS needs both --tls-cert and --tls-key (or --tls-self-signed)")
		}
		return cfg, "", err
	}
	return nil, "", nil
}
