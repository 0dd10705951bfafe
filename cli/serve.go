package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/heraldhq/herald/discovery"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/demo"
	"github.com/heraldhq/herald/server/node"
	"github.com/heraldhq/herald/server/redisbroker"
)

func init() {
	register("serve", "run the SSE hub headless (with --demo for live sample data)", runServe)
}

const serveUsage = `Usage: herald serve [--addr 0.0.0.0:7878] [--demo] [--key K] [--history N] [flags]

Runs the hub: GET /events streams, POST /publish, /healthz, /stats, /metrics and the browser
dashboard at /. Every flag can also be set in the environment as HERALD_<FLAG> (upper case,
'-' as '_'), e.g. HERALD_ADDR=127.0.0.1:7878; a flag on the command line wins.
SIGINT or SIGTERM shuts down gracefully: streams get herald.shutdown, then close.

Flags:
`

// serveFlags is a parsed `herald serve` command line.
type serveFlags struct {
	addr, key, keyFile, redis        string
	logLevel, logFormat              string
	demo                             bool
	symbols                          string
	stockEvery, tickEvery, noteEvery time.Duration
	metricsEvery, shutdownWait       time.Duration
	cfg                              server.Config
	redisMaxLen                      int64
	sec                              securityFlags // serve_security.go
	advertise                        bool
	advertiseName                    string
	hist                             historyFlags // serve_history.go
}

func (o *serveFlags) flagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("herald serve", flag.ContinueOnError)
	c, l := &o.cfg, &o.cfg.Limits
	fs.StringVar(&o.addr, "addr", "0.0.0.0:7878", "`address` to listen on (127.0.0.1:7878 keeps the hub to this machine)")
	fs.StringVar(&o.key, "key", "", "hub `key` for publishing (default: the key file in the user config folder, made on first run)")
	fs.StringVar(&o.keyFile, "key-file", "", "`path` of the hub key file, made on first run (default herald/key in the user config folder); ignored with --key")
	fs.StringVar(&o.redis, "redis", "", "share channels and history with other nodes through Redis Streams at `URL` (redis://HOST:6379/0)")
	fs.Int64Var(&o.redisMaxLen, "redis-maxlen", 0, "approximate `events` the Redis stream keeps (default redisbroker's)")
	fs.BoolVar(&o.demo, "demo", false, "publish demo data: stocks, time, notifications, metrics")
	fs.StringVar(&o.symbols, "symbols", "", "extra stock `symbols` for --demo, comma-separated (AAPL GOOGL MSFT AMZN are always there)")
	fs.DurationVar(&o.stockEvery, "demo-stock-interval", time.Second, "time between stock updates")
	fs.DurationVar(&o.tickEvery, "demo-time-interval", time.Second, "time between clock ticks")
	fs.DurationVar(&o.noteEvery, "demo-notification-interval", 15*time.Second, "time between demo notifications")
	fs.DurationVar(&o.metricsEvery, "demo-metrics-interval", 2*time.Second, "time between system metrics samples")
	fs.IntVar(&c.History, "history", server.DefaultHistory, "`events` kept for replay (Last-Event-ID) and fan-out")
	fs.IntVar(&c.HistoryBytes, "history-bytes", server.DefaultHistoryBytes, "`bytes` of encoded events kept at most")
	fs.DurationVar(&c.KeepAlive, "keepalive", server.DefaultKeepAlive, "interval of keep-alive comments on idle streams")
	fs.DurationVar(&c.Retry, "retry", server.DefaultRetry, "reconnect delay sent to clients as retry:")
	fs.IntVar(&l.MaxSubscribers, "max-subscribers", server.DefaultMaxSubscribers, "most open streams (503 beyond)")
	fs.IntVar(&l.MaxPerIP, "max-per-ip", server.DefaultMaxPerIP, "most open streams per client IP (429 beyond)")
	fs.IntVar(&l.MaxEventBytes, "max-event-bytes", server.DefaultMaxEventBytes, "largest event data in `bytes` (413 beyond)")
	fs.Int64Var(&l.MaxBodyBytes, "max-body-bytes", server.DefaultMaxBodyBytes, "largest publish body in `bytes` (413 beyond)")
	fs.IntVar(&l.MaxBatch, "max-batch", server.DefaultMaxBatch, "most `events` per publish request (413 beyond)")
	fs.DurationVar(&l.ReadHeaderTimeout, "read-header-timeout", server.DefaultReadHeaderTimeout, "time a client has to send its request headers")
	fs.DurationVar(&l.ReadTimeout, "read-timeout", server.DefaultReadTimeout, "time a publisher has to send its whole request")
	fs.DurationVar(&l.WriteTimeout, "write-timeout", server.DefaultWriteTimeout, "a stream whose write blocks this long is cut off")
	fs.DurationVar(&o.shutdownWait, "shutdown-timeout", 10*time.Second, "time graceful shutdown waits for streams to drain")
	fs.StringVar(&o.logLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	fs.StringVar(&o.logFormat, "log-format", "text", "log `format`: text or json")
	fs.BoolVar(&o.advertise, "advertise", true, "announce the hub on the local network (DNS-SD _herald._tcp over mDNS, for herald discover and the desktop app) when --addr is not a loopback address")
	fs.StringVar(&o.advertiseName, "advertise-name", defaultHubName(), "`name` the hub is announced under")
	o.sec.register(fs)
	o.hist.register(fs)
	return fs
}

// applyEnv sets every flag that has a HERALD_<NAME> variable; the command line, parsed
// afterwards, overrides it.
func applyEnv(fs *flag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := "HERALD_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok && err == nil {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %v", name, v, e)
			}
		}
	})
	return err
}

func runServe(env *Env, args []string) int {
	var o serveFlags
	fs := o.flagSet()
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprint(env.Stderr, serveUsage); fs.PrintDefaults() }
	if err := applyEnv(fs); err != nil {
		fmt.Fprintln(env.Stderr, "herald serve:", err)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "herald serve: unexpected argument %q (flags only; see herald serve -h)\n", fs.Arg(0))
		return 2
	}
	log, err := newLogger(env, o.logLevel, o.logFormat)
	if err != nil {
		fmt.Fprintln(env.Stderr, "herald serve:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, env, &o, log); err != nil {
		fmt.Fprintln(env.Stderr, "herald serve:", err)
		return 1
	}
	return 0
}

// serve runs the hub until ctx ends, then shuts it down gracefully.
func serve(ctx context.Context, env *Env, o *serveFlags, log *slog.Logger) error {
	log = slog.New(hintHandler{log.Handler()}) // serve_hints.go
	keyWhere := "from --key or HERALD_KEY"
	if o.key == "" {
		path, err := keyFilePath(o.keyFile)
		if err != nil {
			return flagHint(err)
		}
		if o.key, err = auth.LoadOrCreateKey(path); err != nil {
			return err
		}
		keyWhere = path
	}
	cfg := node.Config{
		Addr: o.addr, Key: o.key, Hub: o.cfg, Logger: log, ShutdownTimeout: o.shutdownWait,
		Redis: redisbroker.Options{URL: o.redis, MaxLen: o.redisMaxLen},
	}
	if err := o.sec.apply(&cfg); err != nil {
		return err
	}
	history, err := o.hist.apply(&cfg)
	if err != nil {
		return err
	}
	tlsCfg, tlsNote, err := o.sec.tlsConfig()
	if err != nil {
		return err
	}
	cfg.TLS = tlsCfg
	if o.demo {
		cfg.Demo = node.Demo(demo.Options{
			Symbols: splitList(o.symbols), StockInterval: o.stockEvery, TimeInterval: o.tickEvery,
			NotificationInterval: o.noteEvery, MetricsInterval: o.metricsEvery, Logger: log,
		})
	}
	if o.advertise {
		cfg.Advertise = &discovery.Service{Name: o.advertiseName, Version: Version}
	}
	n, err := node.Start(ctx, cfg)
	if err != nil {
		return flagHint(err)
	}
	fmt.Fprintf(env.Stdout, "herald hub %s on %s (publish key: %s)\n", Version, strings.Join(n.URLs(), " "), keyWhere)
	if tlsNote != "" {
		fmt.Fprintln(env.Stdout, tlsNote)
	}
	log.Info("hub started", "addr", n.Addr().String(), "history", n.Hub().Stats().History.MaxEvents, "demo", o.demo, "redis", o.redis != "", "history_store", history)
	<-n.Done()
	return n.Err()
}

// defaultHubName is "herald on HOST", the name a hub is announced under unless told.
func defaultHubName() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "herald"
	}
	h, _, _ = strings.Cut(h, ".")
	return "herald on " + h
}

// flagHint adds to a library error the flag that fixes it.
func flagHint(err error) error {
	var le *node.ListenError
	var ce *server.ConfigError
	err = historyHint(err) // serve_history.go
	err = redisHint(err)   // serve_hints.go
	switch {
	case errors.As(err, &le):
		return fmt.Errorf("%w (is another hub running? pick another port with --addr)", err)
	case errors.Is(err, node.ErrShortKey):
		return fmt.Errorf("%w (remove --key/HERALD_KEY to use the generated key)", err)
	case errors.Is(err, auth.ErrNoConfigDir):
		return fmt.Errorf("%w; pass --key-file or --key (or set HERALD_KEY_FILE or HERALD_KEY)", err)
	case errors.As(err, &ce):
		msg := ce.Error()
		for _, f := range configFlags {
			msg = strings.ReplaceAll(msg, f[0], f[1])
		}
		return fmt.Errorf("%s: %w", msg, server.ErrBadConfig)
	}
	return err
}

// configFlags maps server.Config fields (as ConfigError names them) to serve's flags, the
// longer names first so none is replaced inside another.
var configFlags = [][2]string{
	{"Limits.MaxSubscribers", "--max-subscribers"}, {"Limits.MaxPerIP", "--max-per-ip"},
	{"Limits.MaxEventBytes", "--max-event-bytes"}, {"Limits.MaxBodyBytes", "--max-body-bytes"},
	{"Limits.MaxBatch", "--max-batch"}, {"Limits.ReadHeaderTimeout", "--read-header-timeout"},
	{"Limits.ReadTimeout", "--read-timeout"}, {"Limits.WriteTimeout", "--write-timeout"},
	{"HistoryBytes", "--history-bytes"}, {"History", "--history"},
	{"KeepAlive", "--keepalive"}, {"Retry", "--retry"},
}

func newLogger(env *Env, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(env.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(env.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: use text or json", format)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
