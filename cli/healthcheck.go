package cli

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/heraldhq/herald/server/wire"
)

func init() {
	register("healthcheck", "exit 0 when a hub's /healthz answers 200, 1 when not (for container and service health checks)", runHealthcheck)
}

// runHealthcheck GETs URL/healthz. It is the container's HEALTHCHECK: a FROM scratch image
// has no curl, so the binary checks itself.
func runHealthcheck(env *Env, args []string) int {
	fs := flag.NewFlagSet("herald healthcheck", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	url := fs.String("url", "", "hub `URL` (default http://127.0.0.1:PORT, with the port of $HERALD_ADDR, else 7878)")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	insecure := fs.Bool("insecure", false, "accept any TLS certificate (a hub with --tls-self-signed)")
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, "Usage: herald healthcheck [--url URL] [--timeout 5s] [--insecure]\n\n"+
			"Exits 0 when the hub's /healthz answers 200, 1 when it answers otherwise or not at all\n"+
			"(the reason goes to stderr), 2 on bad usage.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "herald healthcheck: unexpected argument %q; pass the hub with --url\n", fs.Arg(0))
		return 2
	}
	base := *url
	if base == "" {
		base = localHubURL(os.Getenv("HERALD_ADDR"))
	}
	base = strings.TrimSuffix(base, "/")
	client := &http.Client{Timeout: *timeout}
	if *insecure {
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	}
	resp, err := client.Get(base + wire.PathHealth)
	if err != nil {
		fmt.Fprintf(env.Stderr, "herald healthcheck: %s: %v\n", base, err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(env.Stderr, "herald healthcheck: %s%s answered %s: %s\n", base, wire.PathHealth, resp.Status, strings.TrimSpace(string(body)))
		return 1
	}
	fmt.Fprintf(env.Stdout, "%s is healthy\n", base)
	return 0
}

// localHubURL is the URL of a hub on this machine listening on addr (serve's --addr): its
// port on 127.0.0.1 when it listens on every address.
func localHubURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return "http://127.0.0.1:7878"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}
