//go:build linux

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// repoRoot is the checkout the test runs in (scripts/package.sh lives there).
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..")
}

// run runs a command to completion (bounded) and returns its combined output; it fails the
// test when the command fails.
func run(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	out, err := tryRun(env, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func tryRun(env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// asRoot runs a command as root: directly when the test is root (CI here), else by sudo.
func asRoot(t *testing.T, name string, args ...string) string {
	t.Helper()
	if os.Geteuid() == 0 {
		return run(t, nil, name, args...)
	}
	return run(t, nil, "sudo", append([]string{"-n", name}, args...)...)
}

func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run scripts/setup.sh", tool)
		}
	}
}

// buildPackage runs scripts/package.sh KIND on the desktop binary the suite built and
// returns the file it made.
func buildPackage(t *testing.T, kind string) string {
	t.Helper()
	out := run(t, nil, filepath.Join(repoRoot(), "scripts", "package.sh"), kind, "--bin", heraldGUI(), "--out", t.TempDir())
	lines := strings.Split(strings.TrimSpace(out), "\n")
	file := lines[len(lines)-1]
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("package.sh %s did not make a file: %v\n%s", kind, err, out)
	}
	return file
}

// checkStampedVersion fails when `bin version` says dev or names no commit.
func checkStampedVersion(t *testing.T, bin string) string {
	t.Helper()
	line := strings.TrimSpace(run(t, nil, bin, "version"))
	if !regexp.MustCompile(`^herald \d+\.\d+\.\d+ \(commit [0-9a-f]{7,}(-dirty)?, \d{4}-\d\d-\d\d; go1\.\S+ linux/\w+\)$`).MatchString(line) || strings.Contains(line, "dev ") {
		t.Errorf("%s version printed %q: want the stamped version, commit, date and Go version", bin, line)
	}
	return strings.TrimSpace(run(t, nil, bin, "version", "--short"))
}

// desktopExec returns the Exec line of a .desktop file split into its arguments, as the
// Desktop Entry spec says (double quotes group, a backslash escapes inside them), field
// codes (%U, %f, ...) dropped.
func desktopExec(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		v, ok := strings.CutPrefix(line, "Exec=")
		if !ok {
			continue
		}
		v = strings.ReplaceAll(v, `\\`, `\`) // the string-level escape of the key file
		var words []string
		var w strings.Builder
		inWord, quoted := false, false
		for i := 0; i < len(v); i++ {
			c := v[i]
			switch {
			case quoted && c == '\\' && i+1 < len(v):
				i++
				w.WriteByte(v[i])
			case c == '"':
				quoted, inWord = !quoted, true
			case c == ' ' && !quoted:
				if inWord {
					words = append(words, w.String())
				}
				w.Reset()
				inWord = false
			default:
				w.WriteByte(c)
				inWord = true
			}
		}
		if inWord {
			words = append(words, w.String())
		}
		var args []string
		for _, a := range words {
			if !(len(a) == 2 && a[0] == '%') {
				args = append(args, a)
			}
		}
		return args
	}
	t.Fatalf("%s has no Exec line", file)
	return nil
}

// desktopKey returns the value of a key of a .desktop file ("" when it has none).
func desktopKey(t *testing.T, file, key string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			return v
		}
	}
	return ""
}

// firstTimeEnv is the environment of a person who has never run Herald: an empty HOME and
// none of the XDG folders pointing elsewhere.
func firstTimeEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !strings.HasPrefix(k, "XDG_") && k != "HOME" && !strings.HasPrefix(k, "HERALD_") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+home, "HERALD_ADVERTISE=false", "HERALD_DISCOVERY=false")
}

// TestDebianPackage builds the .deb from the suite's desktop binary, installs it on this
// machine with dpkg, checks what it installed (metadata validated by desktop-file-validate
// and appstreamcli, the unit disabled, the man page and completions working), starts the
// app as the menu would (the installed entry's Exec line, under Xvfb, openbox and a private
// session bus, with an empty HOME) until its window is up, then removes the package and
// checks that nothing it installed is left, its unit included, and purges it.
func TestDebianPackage(t *testing.T) {
	needTools(t, "dpkg", "dpkg-deb", "dpkg-shlibdeps", "desktop-file-validate", "appstreamcli", "systemctl",
		"Xvfb", "openbox", "xdotool", "xprop", "dbus-daemon", "import", "man", "bash")
	if out, _ := tryRun(nil, "dpkg-query", "-W", "-f=${Status}", "herald"); strings.Contains(out, "installed") {
		t.Fatalf("a herald package is already installed here (%s); this test installs and removes its own: dpkg -r herald first", out)
	}
	deb := buildPackage(t, "deb")
	for field, want := range map[string]string{"Package": "herald", "Depends": "libgl1", "Architecture": strings.TrimSpace(run(t, nil, "dpkg", "--print-architecture"))} {
		if got := strings.TrimSpace(run(t, nil, "dpkg-deb", "-f", deb, field)); !strings.Contains(got, want) {
			t.Errorf("control field %s = %q, want %q in it", field, got, want)
		}
	}
	if dep := run(t, nil, "dpkg-deb", "-f", deb, "Depends"); !strings.Contains(dep, "libx11-6") || !strings.Contains(dep, "libc6") {
		t.Errorf("Depends %q lacks libx11-6 or libc6", dep)
	}
	// Directories of the package that exist already belong to others and stay after purge.
	var shipped []string
	existed := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(run(t, nil, "dpkg-deb", "-c", deb)), "\n") {
		f := strings.Fields(l)
		p := filepath.Clean("/" + f[len(f)-1])
		if p == "/" {
			continue
		}
		shipped = append(shipped, p)
		if _, err := os.Lstat(p); err == nil {
			existed[p] = true
		}
	}
	for _, p := range shipped {
		if existed[p] {
			if st, err := os.Stat(p); err != nil || !st.IsDir() { // /lib is a link to usr/lib
				t.Fatalf("%s exists before the package is installed: it would overwrite it", p)
			}
		}
	}

	asRoot(t, "dpkg", "-i", deb)
	t.Cleanup(func() {
		if out, _ := tryRun(nil, "dpkg-query", "-W", "-f=${Status}", "herald"); strings.Contains(out, "install") || strings.Contains(out, "config-files") {
			asRoot(t, "dpkg", "-P", "herald")
		}
	})
	var listed []string
	for _, p := range strings.Split(strings.TrimSpace(run(t, nil, "dpkg", "-L", "herald")), "\n") {
		if p = filepath.Clean(p); p != "/" {
			listed = append(listed, p)
		}
	}
	conffiles := map[string]bool{}
	for _, l := range strings.Split(run(t, nil, "dpkg-query", "-W", "-f=${Conffiles}", "herald"), "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			conffiles[f[0]] = true
		}
	}
	for _, want := range []string{
		"/usr/bin/herald", "/usr/share/applications/dev.herald.app.desktop", "/usr/share/metainfo/dev.herald.app.metainfo.xml",
		"/usr/share/icons/hicolor/16x16/apps/dev.herald.app.png", "/usr/share/icons/hicolor/256x256/apps/dev.herald.app.png",
		"/usr/share/man/man1/herald.1.gz", "/usr/share/bash-completion/completions/herald",
		"/usr/share/zsh/vendor-completions/_herald", "/usr/share/fish/vendor_completions.d/herald.fish",
		"/lib/systemd/system/herald.service",
	} {
		if !contains(listed, want) {
			t.Errorf("dpkg -L herald does not list %s", want)
		} else if _, err := os.Stat(want); err != nil {
			t.Errorf("%s is listed but not installed: %v", want, err)
		}
	}
	if got := strings.TrimSpace(run(t, nil, "identify", "-format", "%wx%h", "/usr/share/icons/hicolor/48x48/apps/dev.herald.app.png")); got != "48x48" {
		t.Errorf("the 48x48 icon is %s", got)
	}
	version := checkStampedVersion(t, "/usr/bin/herald")
	if want := strings.TrimSpace(run(t, nil, "dpkg-deb", "-f", deb, "Version")); version != want {
		t.Errorf("the binary says version %s, the package %s", version, want)
	}
	run(t, nil, "desktop-file-validate", "/usr/share/applications/dev.herald.app.desktop")
	run(t, nil, "appstreamcli", "validate", "--no-net", "/usr/share/metainfo/dev.herald.app.metainfo.xml")
	if out, _ := tryRun(nil, "systemctl", "is-enabled", "herald.service"); strings.TrimSpace(out) != "disabled" {
		t.Errorf("after install systemctl is-enabled herald.service says %q, want disabled", out)
	}
	if out := run(t, []string{"MANPAGER=cat", "MANWIDTH=100", "LC_ALL=C.UTF-8"}, "man", "herald"); !strings.Contains(out, "HERALD(1)") || !strings.Contains(out, "--redis") {
		t.Errorf("man herald:\n%.300s", out)
	}
	if out := run(t, nil, "bash", "--norc", "-c", "source /usr/share/bash-completion/completions/herald && complete -p herald"); strings.TrimSpace(out) != "complete -F _herald herald" {
		t.Errorf("the installed bash completion registers %q", out)
	}

	// The menu entry, started the way a desktop starts it, by a first-time user.
	exe := desktopExec(t, "/usr/share/applications/dev.herald.app.desktop")
	if p, err := exec.LookPath(exe[0]); err != nil || p != "/usr/bin/herald" {
		t.Fatalf("the entry's Exec %q resolves to %q (%v), want /usr/bin/herald", exe, p, err)
	}
	display := startXvfb(t)
	busAddr := startSessionBus(t)
	home := t.TempDir()
	env := append(firstTimeEnv(home), "DISPLAY="+display, "DBUS_SESSION_BUS_ADDRESS="+busAddr, "LIBGL_ALWAYS_SOFTWARE=1")
	wm := exec.Command("openbox", "--sm-disable")
	wm.Env = env
	if err := wm.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wm.Process.Kill(); wm.Wait() })
	port := freePort(t)
	app := startEnv(t, append(env, "HERALD_PORT="+strconv.Itoa(port)), exe[0], exe[1:]...)
	waitWindowVisible(t, display, true, 90*time.Second)
	waitHealthy(t, "http://127.0.0.1:"+strconv.Itoa(port), 60*time.Second)
	shot := screenshot(t, display, "package-menu-launch.png", 200, 30*time.Second)
	// Docks and task bars match the window to the menu entry by StartupWMClass.
	wid := strings.Fields(run(t, []string{"DISPLAY=" + display}, "xdotool", "search", "--onlyvisible", "--name", "^Herald"))
	class := run(t, []string{"DISPLAY=" + display}, "xprop", "-id", wid[0], "WM_CLASS")
	if want := desktopKey(t, "/usr/share/applications/dev.herald.app.desktop", "StartupWMClass"); want == "" || !strings.Contains(class, `"`+want+`"`) {
		t.Errorf("the window's %s does not match the entry's StartupWMClass=%s", strings.TrimSpace(class), want)
	}
	t.Logf("the app started from the menu entry: %s", shot)
	if _, err := os.Stat(filepath.Join(home, ".config", "herald", "key")); err != nil {
		t.Errorf("the first run made no hub key in the empty HOME's config folder: %v", err)
	}
	app.Stop()
	checkAppLog(t, app.Output())

	// An admin enabled the service; removing the package must disable it.
	asRoot(t, "systemctl", "enable", "herald.service")
	asRoot(t, "dpkg", "-r", "herald")
	for _, p := range listed {
		st, err := os.Stat(p) // following links: /lib is usr/lib
		if err == nil && !st.IsDir() && !conffiles[p] {
			t.Errorf("%s is left after dpkg -r", p)
		}
	}
	if out, _ := tryRun(nil, "systemctl", "is-enabled", "herald.service"); strings.Contains(out, "enabled") && !strings.Contains(out, "disabled") {
		t.Errorf("after dpkg -r systemctl is-enabled herald.service says %q", out)
	}
	if links, _ := filepath.Glob("/etc/systemd/system/*/herald.service"); len(links) > 0 {
		t.Errorf("dpkg -r left the unit enabled: %v", links)
	}
	asRoot(t, "dpkg", "-P", "herald")
	for _, p := range listed {
		if existed[p] {
			continue
		}
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s is left after dpkg -P", p)
		}
	}
	if out, _ := tryRun(nil, "dpkg-query", "-W", "-f=${Status}", "herald"); strings.Contains(out, "installed") || strings.Contains(out, "config-files") {
		t.Errorf("after dpkg -P the package's status is %q", out)
	}
}

// startEnv is start with the environment given whole (firstTimeEnv), not added to the
// test's own, so no XDG_ folder of the test leaks into the first-time user's run.
func startEnv(t *testing.T, env []string, name string, args ...string) *Proc {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	buf := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = buf, buf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p := &Proc{Cmd: cmd, out: buf}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("output of %s:\n%s", name, buf.String())
		}
	})
	return p
}

// TestPortableArchive unpacks the portable tar.xz, installs it into a prefix with its
// install.sh, validates the installed menu entry and starts its Exec, installs again over
// it, and checks that uninstall.sh leaves the prefix empty.
func TestPortableArchive(t *testing.T) {
	needTools(t, "tar", "xz", "desktop-file-validate", "appstreamcli")
	tarball := buildPackage(t, "tar")
	dir := t.TempDir()
	run(t, nil, "tar", "-C", dir, "-xJf", tarball)
	top, err := filepath.Glob(filepath.Join(dir, "herald-*-linux-*"))
	if err != nil || len(top) != 1 {
		t.Fatalf("the archive should hold one folder herald-VERSION-linux-ARCH, has %v", top)
	}
	version := checkStampedVersion(t, filepath.Join(top[0], "herald"))
	if !strings.Contains(filepath.Base(top[0]), version) {
		t.Errorf("folder %s does not carry the binary's version %s", top[0], version)
	}
	prefix := filepath.Join(t.TempDir(), "pre fix") // a space, as in some home folders
	home := t.TempDir()
	env := []string{"HOME=" + home}
	out := run(t, env, filepath.Join(top[0], "install.sh"), "--prefix", prefix)
	if !strings.Contains(out, "installed in "+prefix) {
		t.Errorf("install.sh said %q", out)
	}
	desktop := filepath.Join(prefix, "share", "applications", "dev.herald.app.desktop")
	run(t, nil, "desktop-file-validate", desktop)
	run(t, nil, "appstreamcli", "validate", "--no-net", filepath.Join(prefix, "share", "metainfo", "dev.herald.app.metainfo.xml"))
	// The prefix holds a space: the Exec line must quote it, so a launcher finds the binary.
	exe := desktopExec(t, desktop)
	if want := filepath.Join(prefix, "bin", "herald"); len(exe) != 1 || exe[0] != want {
		t.Fatalf("installed Exec %q, want [%s]", exe, want)
	}
	if got := strings.TrimSpace(run(t, nil, exe[0], "version", "--short")); got != version {
		t.Errorf("the entry's Exec says version %s, want %s", got, version)
	}
	for _, want := range []string{
		"share/icons/hicolor/64x64/apps/dev.herald.app.png", "share/man/man1/herald.1",
		"share/bash-completion/completions/herald", "share/zsh/site-functions/_herald",
		"share/fish/vendor_completions.d/herald.fish", "share/herald/uninstall.sh",
	} {
		if _, err := os.Stat(filepath.Join(prefix, want)); err != nil {
			t.Errorf("install.sh did not install %s: %v", want, err)
		}
	}
	// Again, over the first: the same files, the list not doubled.
	manifest := filepath.Join(prefix, "share", "herald", "installed-files")
	before := run(t, nil, "cat", manifest)
	run(t, env, filepath.Join(top[0], "install.sh"), "--prefix", prefix)
	if after := run(t, nil, "cat", manifest); after != before {
		t.Errorf("a second install changed the file list:\n%s\nvs\n%s", before, after)
	}
	out = run(t, env, filepath.Join(prefix, "share", "herald", "uninstall.sh"), "--prefix", prefix)
	var left []string
	filepath.Walk(prefix, func(p string, info os.FileInfo, err error) error {
		if err == nil && p != prefix {
			left = append(left, p)
		}
		return nil
	})
	if len(left) > 0 {
		t.Errorf("uninstall.sh (%q) left %v", out, left)
	}
	if out, err := tryRun(env, filepath.Join(top[0], "uninstall.sh"), "--prefix", prefix); err == nil || !strings.Contains(out, "no Herald installed") {
		t.Errorf("uninstall.sh on an empty prefix: %v %q, want a clear error", err, out)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
