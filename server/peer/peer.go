// Package peer tells who a request's client is. Directly connected, it is the TCP peer.
// Behind a reverse proxy every request comes from the proxy, so the hub may be told which
// peers are its proxies (--trusted-proxy): only from those are Forwarded, X-Forwarded-For
// and X-Real-IP believed. Anyone else could write those headers to pose as another client
// and slip past per-IP limits, so from any other peer they are ignored.
package peer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ErrBadProxy matches (errors.Is) every *ProxyError.
var ErrBadProxy = errors.New("trusted proxy is not a CIDR or an address")

// ProxyError is a trusted-proxy entry that is neither a CIDR nor an address. Its text names
// no command-line flag; the program that read the entry says where it came from.
type ProxyError struct{ Entry string }

func (e *ProxyError) Error() string {
	return fmt.Sprintf("trusted proxy %q is not a CIDR or an address; use the form 10.0.0.0/8, 127.0.0.1 or ::1", e.Entry)
}

// Is makes errors.Is(err, ErrBadProxy) true.
func (e *ProxyError) Is(target error) bool { return target == ErrBadProxy }

// Trusted is a list of proxy networks. The zero value trusts no one.
type Trusted struct{ nets []netip.Prefix }

// ParseTrusted parses CIDRs ("10.0.0.0/8") or single addresses ("127.0.0.1"); each entry
// may itself be a comma-separated list (the form an environment variable takes).
func ParseTrusted(list []string) (Trusted, error) {
	var t Trusted
	for _, item := range list {
		for _, s := range strings.Split(item, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			p, err := parsePrefix(s)
			if err != nil {
				return Trusted{}, &ProxyError{Entry: s}
			}
			t.nets = append(t.nets, p)
		}
	}
	return t, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return p, err
		}
		return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()).Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Empty reports whether no proxy is trusted.
func (t Trusted) Empty() bool { return len(t.nets) == 0 }

// Strings returns the trusted networks, for /stats and logs.
func (t Trusted) Strings() []string {
	out := make([]string, len(t.nets))
	for i, p := range t.nets {
		out[i] = p.String()
	}
	return out
}

// Contains reports whether addr is a trusted proxy.
func (t Trusted) Contains(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range t.nets {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// ClientAddr returns the address of r's client. From a trusted peer it walks the proxy
// chain right to left (X-Forwarded-For, else Forwarded, else X-Real-IP) past trusted
// proxies and returns the first address no trusted proxy vouches for: the client that
// connected to the outermost trusted proxy. Otherwise, and when the headers hold nothing
// usable, it is the TCP peer.
func (t Trusted) ClientAddr(r *http.Request) netip.Addr {
	remote := remoteAddr(r)
	if !remote.IsValid() || !t.Contains(remote) {
		return remote
	}
	// X-Forwarded-For first: it is what nginx, HAProxy and most load balancers append to,
	// and walking it from the right makes a client's own forged entries harmless.
	chain := xForwardedFor(r.Header)
	if len(chain) == 0 {
		chain = forwardedFor(r.Header)
	}
	if len(chain) == 0 {
		if a, ok := parseAddr(r.Header.Get("X-Real-IP")); ok {
			chain = []netip.Addr{a}
		}
	}
	client := remote
	for i := len(chain) - 1; i >= 0; i-- {
		client = chain[i]
		if !t.Contains(client) {
			break
		}
	}
	return client
}

// remoteAddr is r's TCP peer (RemoteAddr without its port).
func remoteAddr(r *http.Request) netip.Addr {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap()
	}
	a, _ := parseAddr(r.RemoteAddr)
	return a
}

// xForwardedFor lists the addresses of every X-Forwarded-For header, in order. An entry
// that is not an address (a proxy may write "unknown") ends the chain there: nothing left
// of it can be trusted.
func xForwardedFor(h http.Header) []netip.Addr {
	var out []netip.Addr
	for _, v := range h.Values("X-Forwarded-For") {
		for _, s := range strings.Split(v, ",") {
			a, ok := parseAddr(s)
			if !ok {
				out = out[:0]
				continue
			}
			out = append(out, a)
		}
	}
	return out
}

// forwardedFor lists the for= addresses of the RFC 7239 Forwarded headers, in order.
func forwardedFor(h http.Header) []netip.Addr {
	var out []netip.Addr
	for _, v := range h.Values("Forwarded") {
		for _, elem := range strings.Split(v, ",") {
			for _, pair := range strings.Split(elem, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if !ok || !strings.EqualFold(k, "for") {
					continue
				}
				a, ok := parseAddr(val)
				if !ok {
					out = out[:0] // "unknown", an obfuscated name: nothing before it counts
					continue
				}
				out = append(out, a)
			}
		}
	}
	return out
}

// parseAddr accepts 1.2.3.4, 1.2.3.4:80, ::1, [::1]:80 and the quoted forms Forwarded uses.
func parseAddr(s string) (netip.Addr, bool) {
	s = strings.Trim(strings.TrimSpace(s), `"`)
	if s == "" {
		return netip.Addr{}, false
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	if strings.HasPrefix(s, "[") {
		if end := strings.IndexByte(s, ']'); end > 0 {
			if a, err := netip.ParseAddr(s[1:end]); err == nil {
				return a.Unmap(), true
			}
		}
	}
	return netip.Addr{}, false
}

type ctxKey struct{}

// WithClient returns r with its client's address recorded, for the handlers behind the
// middleware that resolved it (limits, logs).
func WithClient(r *http.Request, addr netip.Addr) *http.Request {
	if !addr.IsValid() {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), ctxKey{}, addr))
}

// Client returns the client address a middleware recorded with WithClient, or else r's
// TCP peer. Its String form has no port.
func Client(r *http.Request) string {
	if a, ok := r.Context().Value(ctxKey{}).(netip.Addr); ok {
		return a.String()
	}
	if a := remoteAddr(r); a.IsValid() {
		return a.String()
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
