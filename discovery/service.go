// Package discovery advertises Herald hubs on the local network and finds them, by DNS-SD
// over multicast DNS (RFC 6763 over RFC 6762): service type _herald._tcp, one instance per
// hub, its TXT record saying the hub's name, version, URL scheme and whether subscribing
// needs a token.
//
// It speaks the protocol itself on top of github.com/miekg/dns (the DNS wire format) and
// golang.org/x/net/ipv4 (multicast sockets): the advertiser probes for its instance name and
// renames itself on a conflict ("name (2)"), announces twice, answers queries, and says
// goodbye (TTL 0) when it closes; the browser queries with backoff, keeps a cache that
// honours TTLs and goodbyes, and reports the list whenever it changes. IPv4 only; the
// interfaces are those up with multicast when the advertiser or browser starts.
package discovery

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	// ServiceType is the DNS-SD service type of a Herald hub.
	ServiceType = "_herald._tcp"
	domain      = "local."
	serviceName = ServiceType + "." + domain
	// metaQuery lists every service type on the link (RFC 6763 section 9).
	metaQuery = "_services._dns-sd._udp." + domain
	// ttl is the lifetime of every record we send: short, so a hub that vanished without
	// a goodbye (a crash, a pulled cable) leaves the lists within two minutes.
	ttl = 120
	// maxLabel is the longest DNS label, in bytes.
	maxLabel = 63
)

// Service is what a hub advertises about itself.
type Service struct {
	// Name is the hub's human name; it is also the DNS-SD instance name (at most 63 bytes;
	// longer names are cut). On a conflict the advertised name becomes "Name (2)".
	Name string
	// Port is the TCP port the hub listens on.
	Port int
	// Version is Herald's version.
	Version string
	// Scheme is "http" or "https".
	Scheme string
	// TokenRequired says whether subscribing needs a token (a --private hub).
	TokenRequired bool
}

// Validate says what is wrong with s, if anything.
func (s Service) Validate() error {
	if strings.TrimSpace(s.Name) == "" {
		return fmt.Errorf("discovery: the service needs a name")
	}
	if s.Port <= 0 || s.Port > 65535 {
		return fmt.Errorf("discovery: port %d is not a TCP port (1-65535)", s.Port)
	}
	if s.Scheme != "http" && s.Scheme != "https" {
		return fmt.Errorf("discovery: scheme %q: use http or https", s.Scheme)
	}
	return nil
}

// txt is the service's TXT record: key=value strings (RFC 6763 section 6).
func (s Service) txt() []string {
	tok := "no"
	if s.TokenRequired {
		tok = "yes"
	}
	return []string{"txtvers=1", "name=" + s.Name, "version=" + s.Version, "scheme=" + s.Scheme, "token=" + tok}
}

// Hub is a hub found on the network.
type Hub struct {
	// Instance is the DNS-SD instance name (unique on the link).
	Instance string `json:"instance"`
	// Name is the name the hub gives itself (TXT name=, else the instance name).
	Name string `json:"name"`
	// URL is where to reach it: scheme://address:port.
	URL string `json:"url"`
	// Version is the hub's Herald version ("" when it did not say).
	Version string `json:"version"`
	// TokenRequired says whether subscribing needs a token.
	TokenRequired bool `json:"tokenRequired"`
	// Host and Port are the SRV record's target and port; Addrs its IPv4 addresses.
	Host  string   `json:"host"`
	Port  int      `json:"port"`
	Addrs []string `json:"addrs"`
}

// parseTXT fills h from TXT strings (key=value; keys are case-insensitive, the first of a
// key wins, as RFC 6763 section 6.4 says).
func parseTXT(h *Hub, txt []string) (scheme string) {
	seen := map[string]bool{}
	for _, kv := range txt {
		k, v, _ := strings.Cut(kv, "=")
		k = strings.ToLower(k)
		if seen[k] {
			continue
		}
		seen[k] = true
		switch k {
		case "name":
			h.Name = v
		case "version":
			h.Version = v
		case "scheme":
			scheme = v
		case "token":
			h.TokenRequired = v == "yes" || v == "1" || v == "true"
		}
	}
	return scheme
}

// hubURL picks the address to reach a hub at: the one the answer came from when the hub
// lists it, else the first it lists.
func hubURL(scheme string, addrs []string, from string, port int) string {
	if scheme != "https" {
		scheme = "http"
	}
	if len(addrs) == 0 {
		return ""
	}
	host := addrs[0]
	for _, a := range addrs {
		if a == from {
			host = a
		}
	}
	return scheme + "://" + net.JoinHostPort(host, strconv.Itoa(port))
}

// sortHubs orders hubs by name, then URL, so lists do not jump around.
func sortHubs(hs []Hub) {
	sort.Slice(hs, func(i, j int) bool {
		if a, b := strings.ToLower(hs[i].Name), strings.ToLower(hs[j].Name); a != b {
			return a < b
		}
		return hs[i].URL < hs[j].URL
	})
}

// instanceLabel cuts a name to one DNS label (63 bytes) on a rune boundary.
func instanceLabel(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.TrimSpace(name))
	return cut(name, maxLabel)
}

// cut shortens s to at most n bytes without splitting a rune.
func cut(s string, n int) string {
	for len(s) > n {
		_, k := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-k]
	}
	return s
}

// renamed returns the name to try after a conflict: "Name (2)", "Name (3)", ...
func renamed(name string) string {
	n := 2
	if i := strings.LastIndex(name, " ("); i > 0 && strings.HasSuffix(name, ")") {
		if k, err := strconv.Atoi(name[i+2 : len(name)-1]); err == nil {
			name, n = name[:i], k+1
		}
	}
	suffix := fmt.Sprintf(" (%d)", n)
	return cut(name, maxLabel-len(suffix)) + suffix
}
