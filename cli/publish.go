package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/heraldhq/herald/server/wire"
)

func init() {
	register("publish", "publish an event to a hub (DATA, or - for stdin)", runPublish)
}

const publishUsage = `Usage: herald publish [--url URL] [--channel C] [--event E] [--id I] [--retry MS] [--json] [--token T] [DATA|-]

Publishes one event and prints the id the hub gave it. DATA is the event's data; "-" (or no
DATA) reads it from stdin. With --json, DATA is a JSON value sent as such (an object stays an
object). With no --url and no --token, herald talks to the hub on this machine
(http://127.0.0.1:7878) with the key from the config folder. HERALD_URL and HERALD_TOKEN
set --url and --token too.

Flags:
`

// publishFlags is a parsed `herald publish` command line.
type publishFlags struct {
	url, channel, event, id, token string
	retry                          int
	json                           bool
	timeout                        time.Duration
}

func runPublish(env *Env, args []string) int {
	var o publishFlags
	fs := flag.NewFlagSet("herald publish", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprint(env.Stderr, publishUsage); fs.PrintDefaults() }
	fs.StringVar(&o.url, "url", "", "hub `URL` (default http://127.0.0.1:7878)")
	fs.StringVar(&o.channel, "channel", "default", "`channel` to publish on")
	fs.StringVar(&o.event, "event", "", "event `type` (default: none, which clients see as \"message\")")
	fs.StringVar(&o.id, "id", "", "idempotency `key`: publishing again with it answers the first event's id")
	fs.IntVar(&o.retry, "retry", 0, "reconnect delay in `ms` to send with the event")
	fs.BoolVar(&o.json, "json", false, "DATA is a JSON value (sent as JSON, not as a string)")
	fs.StringVar(&o.token, "token", "", "publish `token` (the hub key or a token from 'herald token')")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(env.Stderr, "herald publish: %d arguments; pass the data as one (quote it) or use - to read stdin\n", fs.NArg())
		return 2
	}
	data := fs.Arg(0)
	if fs.NArg() == 0 || data == "-" {
		b, err := io.ReadAll(io.LimitReader(env.Stdin, 64<<20))
		if err != nil {
			fmt.Fprintln(env.Stderr, "herald publish: reading stdin:", err)
			return 1
		}
		data = strings.TrimSuffix(string(b), "\n")
	}
	id, err := publish(&o, data)
	if err != nil {
		fmt.Fprintln(env.Stderr, "herald publish:", err)
		return 1
	}
	fmt.Fprintln(env.Stdout, id)
	return 0
}

// publish sends one event and returns its id.
func publish(o *publishFlags, data string) (string, error) {
	if o.url == "" {
		o.url = os.Getenv("HERALD_URL")
	}
	if o.token == "" {
		o.token = os.Getenv("HERALD_TOKEN")
	}
	local := o.url == ""
	if local {
		o.url = "http://127.0.0.1:" + defaultHubPort
	}
	u, err := url.Parse(o.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--url %q is not a hub URL; use the form http://HOST:PORT", o.url)
	}
	if o.token == "" && (local || isLoopback(u.Hostname())) {
		if o.token, err = localKey(); err != nil {
			return "", err
		}
	}
	msg := wire.PublishRequest{Channel: o.channel, Event: o.event, Key: o.id, Data: wire.Text(data), Retry: o.retry}
	if o.json {
		if !json.Valid([]byte(data)) {
			return "", errors.New("--json: DATA is not valid JSON (leave out --json to send it as text)")
		}
		msg.Data = json.RawMessage(data)
	}
	p := wire.Publisher{URL: o.url, Token: o.token, HTTPClient: &http.Client{Timeout: o.timeout}}
	r, err := p.Publish(context.Background(), msg)
	var ue *wire.UnreachableError
	switch {
	case errors.Is(err, wire.ErrBadURL):
		return "", fmt.Errorf("--url %q is not a hub URL; use the form http://HOST:PORT", o.url)
	case errors.As(err, &ue) && local:
		return "", fmt.Errorf("%v (is 'herald serve' running on this machine? otherwise pass --url)", err)
	case errors.Is(err, wire.ErrNotHerald):
		return "", fmt.Errorf("%v (check --url)", err)
	case err != nil:
		return "", err
	}
	return r[0].ID, nil
}

// localKey reads the hub key of this machine without making one.
func localKey() (string, error) {
	path, err := keyFilePath("")
	if err != nil {
		return "", fmt.Errorf("%w; set HERALD_KEY_FILE or pass --token", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("no hub key at %s: start 'herald serve' on this machine first, or pass --token", path)
		}
		return "", fmt.Errorf("reading the hub key: %v (pass --token instead)", err)
	}
	return strings.TrimSpace(string(b)), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
