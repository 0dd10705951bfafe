// Package app is Herald's Fyne desktop app: the window with its panels, the tray and the
// preferences. The logic lives in plain-Go packages (app/model, app/backend, app/notify) and
// the panels in app/ui; this package wires them together.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/heraldhq/herald/app/instance"
	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/app/notify"
	"github.com/heraldhq/herald/assets"
	"github.com/heraldhq/herald/server/auth"
)

// AppID is the app's unique id; Fyne keeps preferences under <config>/fyne/<AppID>.
const AppID = "dev.herald.app"

// options are the command line of `herald gui`; each has an environment variable so a
// desktop launcher or a test can set it too.
type options struct {
	port      int    // hub port for this run (0: the saved one)
	configDir string // isolated preferences and hub key (sets XDG_CONFIG_HOME)
	theme     string // light or dark, overriding the saved choice for this run
	tab       string // open this tab
	key       string // hub key (default: the one in the config folder)
	discovery bool   // announce the shared hub on the LAN and list the hubs found there
	dir       string // the app's own folder (settings, lock); "" for $XDG_CONFIG_HOME/herald
	hidden    bool   // start in the tray, the window hidden (the start-at-login entry asks for it)
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("herald gui", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port, _ := strconv.Atoi(os.Getenv("HERALD_PORT"))
	fs.IntVar(&o.port, "port", port, "hub port for this run, saved as the new port (env HERALD_PORT)")
	fs.StringVar(&o.configDir, "config-dir", os.Getenv("HERALD_CONFIG_DIR"), "folder for preferences and the hub key instead of the user's config folder (env HERALD_CONFIG_DIR)")
	fs.StringVar(&o.theme, "theme", os.Getenv("HERALD_THEME"), "light or dark for this run (env HERALD_THEME)")
	fs.StringVar(&o.tab, "tab", os.Getenv("HERALD_TAB"), "tab to open: Live, Feeds, Hub, Broadcast or Settings (env HERALD_TAB)")
	fs.StringVar(&o.key, "key", os.Getenv("HERALD_KEY"), "hub key (env HERALD_KEY; default: made once and kept in the config folder)")
	fs.BoolVar(&o.discovery, "discovery", os.Getenv("HERALD_DISCOVERY") != "false", "announce the hub on the LAN while shared and list the hubs found there (mDNS); false turns both off (env HERALD_DISCOVERY=false)")
	fs.BoolVar(&o.hidden, "hidden", os.Getenv("HERALD_HIDDEN") == "true", "start in the tray with the window hidden, as the start-at-login entry does when Settings say so; without a tray host the window shows anyway (env HERALD_HIDDEN=true)")
	if len(args) > 0 && args[0] == "gui" {
		args = args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.port < 0 || o.port > 65535 {
		return o, fmt.Errorf("--port %d is not a port: use 1 to 65535", o.port)
	}
	if o.theme != "" && o.theme != "light" && o.theme != "dark" {
		return o, fmt.Errorf("--theme %q: use light or dark", o.theme)
	}
	return o, nil
}

// Run opens the desktop app and blocks until it quits; it returns the process exit code.
func Run(args []string) int {
	opts, err := parseOptions(args, os.Stderr)
	if err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		fmt.Fprintln(os.Stderr, "herald:", err)
		return 2
	}
	if opts.configDir != "" {
		// Fyne's preferences and the hub key both live under os.UserConfigDir, which follows
		// XDG_CONFIG_HOME on Linux and BSD.
		if err := os.MkdirAll(opts.configDir, 0o700); err != nil {
			fmt.Fprintf(os.Stderr, "herald: cannot use --config-dir %s: %v\n", opts.configDir, err)
			return 1
		}
		os.Setenv("XDG_CONFIG_HOME", opts.configDir)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	opts.dir = configDir()

	// One running copy per user (and config folder): a second launch shows the first one's
	// window and leaves, before it could start a second hub, notifier or settings writer.
	var showMu sync.Mutex
	var show func()
	lock, err := instance.Acquire(opts.dir, func() {
		showMu.Lock()
		f := show
		showMu.Unlock()
		if f != nil {
			fyne.Do(f)
		}
	})
	if errors.Is(err, instance.ErrRunning) {
		fmt.Fprintln(os.Stderr, "herald:", err)
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "herald:", err)
		return 1
	}
	defer lock.Close()
	servePprof(log) // HERALD_PPROF (pprof.go)
	key := opts.key
	if key == "" {
		path, err := auth.DefaultKeyPath()
		if err == nil {
			key, err = auth.LoadOrCreateKey(path)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "herald: hub key:", err)
			return 1
		}
	}

	a := fyneapp.NewWithID(AppID)
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var uiDone atomic.Bool
	// Fyne ends its loop, then runs whatever fyne.Do gets on the caller's goroutine while it
	// finishes its lifecycle events, before ShowAndRun returns ("Error in Fyne call
	// thread"). OnStopped is queued just before that, so it closes the gate much earlier
	// than ShowAndRun's return; the gate is checked again where f would run.
	a.Lifecycle().SetOnStopped(func() { uiDone.Store(true) })
	onUI = func(f func()) {
		if !uiDone.Load() {
			fyne.Do(func() {
				if !uiDone.Load() {
					f()
				}
			})
		}
	}
	notes := notify.NewBeeep("Herald", assets.Icon)
	d := newDesktop(ctx, a, key, opts, log, notify.NewAsync(ctx, notes, log))
	// A click on one of the app's notifications opens the app on it (Linux; elsewhere the
	// notifications carry no action).
	if err := notes.Listen(ctx, func(n model.Notification) { onUI(func() { d.openNotification(n) }) }); err != nil {
		log.Info("notification clicks are not reported", "err", err)
	}
	showMu.Lock()
	show = d.bringToFront
	showMu.Unlock()

	// Ctrl-C and SIGTERM quit like the tray's Quit, so preferences are saved.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-sig:
			fyne.Do(a.Quit)
		case <-ctx.Done():
		}
	}()
	d.run(opts.hidden) // hidden.go
	// The UI loop is over: from now on fyne.Do would run the batcher's and the tick's
	// refreshes on their own goroutines, so they are dropped.
	uiDone.Store(true)
	signal.Stop(sig)
	d.shutdown()
	return 0
}
