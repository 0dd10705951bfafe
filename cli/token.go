package cli

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/heraldhq/herald/server/auth"
)

// defaultHubPort is where `herald serve` listens unless told otherwise; the guessed invite
// link uses it.
const defaultHubPort = "7878"

// patternList is a repeatable flag; each use may also hold a comma-separated list.
type patternList []string

func (p *patternList) String() string { return strings.Join(*p, ",") }

func (p *patternList) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*p = append(*p, s)
		}
	}
	return nil
}

func init() {
	register("token", "mint a scoped access token (and an invite link) with the local hub key", runToken)
}

func runToken(env *Env, args []string) int {
	fs := flag.NewFlagSet("herald token", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	var publish, subscribe patternList
	fs.Var(&publish, "publish", "channel `pattern` the token may publish to (repeatable or comma-separated, e.g. 'alerts.*')")
	fs.Var(&subscribe, "subscribe", "channel `pattern` the token may subscribe to (repeatable or comma-separated, '*' for all)")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the token is valid (0: until the hub key is rotated)")
	key := fs.String("key", "", "hub key to sign with (default: $HERALD_KEY, else the key file: $HERALD_KEY_FILE or herald/key in the user config folder)")
	hubURL := fs.String("url", "", "hub URL for the invite link, e.g. http://192.168.1.20:7878 (default: a guess from this machine's LAN address)")
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: herald token --publish PATTERN... --subscribe PATTERN... [--ttl 24h] [--key KEY] [--url URL]\n\n"+
			"Prints a token on stdout and, on stderr, an invite link that opens the hub's dashboard with it.\n"+
			"Tokens are valid until they expire or the hub key is rotated.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "herald token: unexpected argument %q; patterns go after --publish or --subscribe\n", fs.Arg(0))
		return 2
	}
	if len(publish) == 0 && len(subscribe) == 0 {
		fmt.Fprintln(env.Stderr, "herald token: give at least one --publish or --subscribe pattern, e.g. --subscribe '*'")
		return 2
	}
	k, err := hubKey(*key)
	if err != nil {
		fmt.Fprintln(env.Stderr, "herald token:", err)
		return 1
	}
	tok, err := auth.Mint(k, publish, subscribe, *ttl)
	if err != nil {
		fmt.Fprintln(env.Stderr, "herald token:", err)
		return 2
	}
	fmt.Fprintln(env.Stdout, tok)
	base := *hubURL
	if base == "" {
		base = guessLANURL()
	}
	if base == "" {
		fmt.Fprintln(env.Stderr, "(no LAN address found; pass --url to get an invite link)")
		return 0
	}
	link, err := inviteLink(base, tok)
	if err != nil {
		fmt.Fprintln(env.Stderr, "herald token:", err)
		return 2
	}
	fmt.Fprintln(env.Stderr, "Invite link:", link)
	if *ttl > 0 {
		fmt.Fprintln(env.Stderr, "Valid until:", time.Now().Add(*ttl).UTC().Format(time.RFC3339))
	}
	return 0
}

// hubKey returns the key to sign with: the flag, else $HERALD_KEY, else the key file
// ($HERALD_KEY_FILE or the user config folder; made on first use, as `herald serve` does).
func hubKey(flagKey string) (string, error) {
	if flagKey != "" {
		return flagKey, nil
	}
	if k := os.Getenv("HERALD_KEY"); k != "" {
		return k, nil
	}
	path, err := keyFilePath("")
	if err != nil {
		return "", fmt.Errorf("%w; pass --key or set HERALD_KEY (or HERALD_KEY_FILE)", err)
	}
	return auth.LoadOrCreateKey(path)
}

// inviteLink returns base (the hub's URL) with the dashboard path and ?token= set.
func inviteLink(base, tok string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--url %q is not a hub URL; use the form http://HOST:PORT", base)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	q := u.Query()
	q.Set("token", tok)
	u.RawQuery = q.Encode()
	u.Fragment = ""
	return u.String(), nil
}

// guessLANURL returns http://ADDR:7878 for this machine's first private IPv4 address (falling
// back to any non-loopback global unicast one), or "" when there is none.
func guessLANURL() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	var fallback net.IP
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip := ipn.IP.To4()
		if ip == nil || !ip.IsGlobalUnicast() {
			continue
		}
		if ip.IsPrivate() {
			return "http://" + net.JoinHostPort(ip.String(), defaultHubPort)
		}
		if fallback == nil {
			fallback = ip
		}
	}
	if fallback != nil {
		return "http://" + net.JoinHostPort(fallback.String(), defaultHubPort)
	}
	return ""
}
