package discovery

import (
	"strings"

	"github.com/miekg/dns"
)

// instanceName is the DNS name of an instance label: "Label._herald._tcp.local.".
func instanceName(label string) string {
	return escapeLabel(label) + "." + serviceName
}

// escapeLabel writes a label in the presentation format miekg/dns packs: dots and
// backslashes escaped, every other byte (UTF-8 included) as it is.
func escapeLabel(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '.' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unescape turns miekg/dns presentation text (\DDD for bytes, \c for a character) back
// into the raw bytes: labels and TXT strings arrive that way.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			b.WriteByte((s[i+1]-'0')*100 + (s[i+2]-'0')*10 + (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i+1])
		i++
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// escapeTXT writes a TXT string in the presentation format miekg/dns packs.
func escapeTXT(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// splitInstance returns the unescaped instance label of name when name is an instance of
// our service type ("Label._herald._tcp.local."), and false otherwise.
func splitInstance(name string) (string, bool) {
	labels := dns.SplitDomainName(name)
	if len(labels) < 4 {
		return "", false
	}
	first := labels[0]
	rest := strings.Join(labels[1:], ".") + "."
	if !strings.EqualFold(rest, serviceName) {
		return "", false
	}
	return unescape(first), true
}

// sameName compares DNS names label by label, case-insensitively as DNS does; labels may
// be escaped differently ("a\ b" as miekg/dns unpacks it, "a b" as we write it).
func sameName(a, b string) bool {
	if strings.EqualFold(a, b) {
		return true
	}
	la, lb := dns.SplitDomainName(a), dns.SplitDomainName(b)
	if len(la) != len(lb) {
		return false
	}
	for i := range la {
		if !strings.EqualFold(unescape(la[i]), unescape(lb[i])) {
			return false
		}
	}
	return true
}
