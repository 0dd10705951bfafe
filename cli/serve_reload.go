package cli

import (
	"flag"
	"io"
	"log/slog"
	"sort"

	"github.com/heraldhq/herald/server/node"
)

// liveFlags are the settings SIGHUP changes in the running hub (node.Reload); every other
// setting is read but needs a restart to take effect, and a reload that changes one says so.
var liveFlags = map[string]bool{
	"key": true, "key-file": true, "private": true, "public": true, "cors-origin": true,
	"trusted-proxy": true, "connect-rate": true, "connect-burst": true, "publish-rate": true,
	"publish-burst": true, "max-subscribers": true, "max-per-ip": true, "max-event-bytes": true,
	"max-body-bytes": true, "max-batch": true, "read-timeout": true, "log-level": true,
}

// secretFlags are never logged with their values.
var secretFlags = map[string]bool{"key": true}

// reloader reads `herald serve`'s settings again on SIGHUP (the config file, and the key
// file: rotating the key is writing a new one, or deleting it so a new one is made) and
// applies what can change to the running node without dropping a stream.
type reloader struct {
	src         serveSource
	start, prev *loaded // the settings the hub started with, and the last ones applied

	node  *node.Node
	log   *slog.Logger
	level *slog.LevelVar
	key   string // the key in force
}

// reload applies the settings as they are now. A bad config file or key is logged and
// changes nothing: the hub goes on as it was.
func (r *reloader) reload() {
	r.log.Info("reloading: reading the settings and the key again (SIGHUP)", "config", r.start.config)
	next, err := r.src.load(io.Discard)
	if err != nil {
		r.log.Error("reload failed; the hub keeps its settings", "err", err)
		return
	}
	o := next.o
	key, keyWhere, err := serveKey(o)
	if err != nil {
		r.log.Error("reload failed: cannot read the hub key; the hub keeps its settings", "err", err)
		return
	}
	var cfg node.Config
	if err := o.sec.apply(&cfg); err != nil {
		r.log.Error("reload failed; the hub keeps its settings", "err", err)
		return
	}
	var lv slog.LevelVar
	if err := setLevel(&lv, o.logLevel); err != nil {
		r.log.Error("reload failed; the hub keeps its settings", "err", err)
		return
	}
	err = r.node.Reload(node.Settings{Key: key, Access: cfg.Access, Guard: cfg.Guard, Limits: o.cfg.Limits})
	if err != nil {
		r.log.Error("reload failed; the hub keeps its settings", "err", flagHint(err))
		return
	}
	r.level.Set(lv.Level())
	rotated := key != r.key
	r.key = key
	changed, _ := diffFlags(r.prev.fs, next.fs)
	_, restart := diffFlags(r.start.fs, next.fs)
	r.prev = next
	r.log.Info("reloaded", "changed", changed, "key_rotated", rotated, "key", keyWhere)
	for _, name := range restart {
		r.log.Warn("a changed setting needs a restart to take effect", "setting", name,
			"running", r.start.fs.Lookup(name).Value.String(), "new", next.fs.Lookup(name).Value.String())
	}
}

// diffFlags lists the settings whose values differ between a and b: those a reload applies,
// and those that need a restart.
func diffFlags(a, b *flag.FlagSet) (live, restart []string) {
	b.VisitAll(func(f *flag.Flag) {
		old := a.Lookup(f.Name)
		if old == nil || old.Value.String() == f.Value.String() {
			return
		}
		if liveFlags[f.Name] {
			live = append(live, f.Name)
		} else if !secretFlags[f.Name] {
			restart = append(restart, f.Name)
		}
	})
	sort.Strings(live)
	sort.Strings(restart)
	return live, restart
}
