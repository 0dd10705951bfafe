package discovery

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// Names and TXT values survive the trip through the DNS wire format: dots, backslashes,
// quotes and UTF-8 included.
func TestNamesRoundTrip(t *testing.T) {
	for _, name := range []string{"plain", "Alice's hub", "a.b.c", `back\slash`, `"quoted"`, "José 東京", "tab\there"} {
		t.Run(name, func(t *testing.T) {
			label := instanceLabel(name)
			s := Service{Name: label, Port: 1, Version: "v", Scheme: "http"}
			a := &Advertiser{svc: s, host: "herald-x.local."}
			m := response()
			m.Answer = []dns.RR{a.ptr(label, ttl), a.srv(label, ttl, true), a.txt(label, ttl, true)}
			b, err := m.Pack()
			if err != nil {
				t.Fatal(err)
			}
			var back dns.Msg
			if err := back.Unpack(b); err != nil {
				t.Fatal(err)
			}
			got, ok := splitInstance(back.Answer[0].(*dns.PTR).Ptr)
			if !ok || got != label {
				t.Errorf("instance %q, %v; want %q", got, ok, label)
			}
			var h Hub
			txt := back.Answer[2].(*dns.TXT).Txt
			for i := range txt {
				txt[i] = unescape(txt[i])
			}
			parseTXT(&h, txt)
			if h.Name != label {
				t.Errorf("TXT name %q, want %q", h.Name, label)
			}
		})
	}
}

func TestInstanceLabelAndRename(t *testing.T) {
	long := strings.Repeat("é", 40) // 80 bytes
	tests := []struct{ in, label, next string }{
		{"hub", "hub", "hub (2)"},
		{"hub (2)", "hub (2)", "hub (3)"},
		{"  spaced\x01 ", "spaced", "spaced (2)"},
		{long, strings.Repeat("é", 31), strings.Repeat("é", 29) + " (2)"},
	}
	for _, tt := range tests {
		l := instanceLabel(tt.in)
		if l != tt.label {
			t.Errorf("instanceLabel(%q) = %q, want %q", tt.in, l, tt.label)
		}
		if n := renamed(l); n != tt.next || len(n) > maxLabel {
			t.Errorf("renamed(%q) = %q (%d bytes), want %q", l, n, len(n), tt.next)
		}
	}
}

func TestParseTXTAndURL(t *testing.T) {
	tests := []struct {
		txt           []string
		name, version string
		token         bool
		url           string
	}{
		{[]string{"name=a", "version=1", "scheme=https", "token=yes"}, "a", "1", true, "https://10.0.0.2:9"},
		{[]string{"NAME=b", "name=ignored", "token=no"}, "b", "", false, "http://10.0.0.2:9"},
		{[]string{"scheme=gopher"}, "", "", false, "http://10.0.0.2:9"},
	}
	for _, tt := range tests {
		var h Hub
		scheme := parseTXT(&h, tt.txt)
		if h.Name != tt.name || h.Version != tt.version || h.TokenRequired != tt.token {
			t.Errorf("parseTXT(%q) = %+v", tt.txt, h)
		}
		if u := hubURL(scheme, []string{"10.0.0.1", "10.0.0.2"}, "10.0.0.2", 9); u != tt.url {
			t.Errorf("url %q, want %q", u, tt.url)
		}
	}
}

func TestServiceValidate(t *testing.T) {
	for _, s := range []Service{{Port: 1, Scheme: "http"}, {Name: "x", Scheme: "http"}, {Name: "x", Port: 70000, Scheme: "http"}, {Name: "x", Port: 1, Scheme: "ftp"}} {
		if err := s.Validate(); err == nil {
			t.Errorf("%+v: no error", s)
		}
	}
}
