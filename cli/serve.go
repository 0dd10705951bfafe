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
	configFile                       string
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

	level  *slog.LevelVar // the log level in force (a reload changes it)
	reload *reloader      // set by runServe: SIGHUP reloads (serve_reload.go)
}

func (o *serveFlags) flagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("herald serve", flag.ContinueOnError)
	c, l := &o.cfg, &o.cfg.Limits
	fs.StringVar(&o.configFile, "config", "", "settings `file` (name = value lines, the names of these flags; default "+DefaultConfigFile+" when it exists; '' for none)")
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

func runServe(env *Env, args []string) int {
	src := serveSource{args: args}
	ld, err := src.load(env.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if !isFlagParseError(err) {
			fmt.Fprintln(env.Stderr, "herald serve:", err)
		}
		return 2
	}
	o := ld.o
	o.level = new(slog.LevelVar)
	log, err := newLevelLogger(env, o.level, o.logLevel, o.logFormat)
	if err != nil {
		fmt.Fprintln(env.Stderr, "herald serve:", err)
		return 2
	}
	o.reload = &reloader{src: src, start: ld, prev: ld}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, env, o, log); err != nil {
		fmt.Fprintln(env.Stderr, "herald serve:", err)
		return 1
	}
	return 0
}

// serveKey returns the hub key the flags ask for and where it comes from: --key/HERALD_KEY,
// else the key file (made on first run).
func serveKey(o *serveFlags) (key, where string, err error) {
	if o.key != "" {
		return o.key, "from --key or HERALD_KEY", nil
	}
	path, err := keyFilePath(o.keyFile)
	if err != nil {
		return "", "", flagHint(err)
	}
	if key, err = auth.LoadOrCreateKey(path); err != nil {
		return "", "", err
	}
	return key, path, nil
}

// serve runs the hub until ctx ends, then shuts it down gracefully. With o.reload set (a
// real `herald serve`), SIGHUP reads the settings and the key again (serve_reload.go).
func serve(ctx context.Context, env *Env, o *serveFlags, log *slog.Logger) error {
	log = slog.New(hintHandler{log.Handler()}) // serve_hints.go
	key, keyWhere, err := serveKey(o)
	if err != nil {
		return err
	}
	cfg := node.Config{
		Addr: o.addr, Key: key, Hub: o.cfg, Logger: log, ShutdownTimeout: o.shutdownWait,
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
	log.Info("hub started", "addr", n.Addr().String(), "history", n.Hub().Stats().History.MaxEvents, "demo", o.demo, "redis", o.redis != "", "history_store", history, "config", o.configFile)
	if o.reload == nil {
		<-n.Done()
		return n.Err()
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	o.reload.node, o.reload.log, o.reload.level, o.reload.key = n, log, o.level, key
	for {
		select {
		case <-n.Done():
			return n.Err()
		case <-hup:
			o.reload.reload()
		}
	}
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
	return newLevelLogger(env, new(slog.LevelVar), level, format)
}

// newLevelLogger is newLogger with the level kept in lv, which a reload may change.
func newLevelLogger(env *Env, lv *slog.LevelVar, level, format string) (*slog.Logger, error) {
	if err := setLevel(lv, level); err != nil {
		return nil, err
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

// setLevel sets lv from a --log-level value.
func setLevel(lv *slog.LevelVar, level string) error {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return fmt.Errorf("--log-level %q: use debug, info, warn or error", level)
	}
	lv.Set(l)
	return nil
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
