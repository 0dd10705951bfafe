package cli

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// waitBanner waits for serve's startup banner on out and returns the base URL it names
// (scheme "http" or "https"); it fails the test if serve ends first or prints none in 15 s.
func waitBanner(t *testing.T, scheme string, out, errs *syncBuffer, done <-chan error) string {
	t.Helper()
	re := regexp.MustCompile(`on (` + scheme + `://127\.0\.0\.1:\d+)`)
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v\n%s", err, errs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no %s banner within 15 s: %q", scheme, out.String())
	return ""
}

// startServe runs `herald serve` in-process on a free port and returns its URL.
func startServe(t *testing.T, args ...string) (url string, stop func() string) {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	out, errs := &syncBuffer{}, &syncBuffer{}
	env := &Env{Stdin: strings.NewReader(""), Stdout: out, Stderr: errs}
	var o serveFlags
	fs := o.flagSet()
	if err := applyEnv(fs); err != nil {
		t.Fatal(err)
	}
	if err := fs.Parse(append([]string{"--addr", "127.0.0.1:0"}, args...)); err != nil {
		t.Fatal(err)
	}
	log, _ := newLogger(env, "debug", "text")
	done := make(chan error, 1)
	go func() { done <- serve(ctx, env, &o, log) }()
	url = waitBanner(t, "http", out, errs, done)
	stopped := false
	stop = func() string {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		}
		return errs.String()
	}
	t.Cleanup(func() { stop() })
	return url, stop
}

func TestServeAndPublish(t *testing.T) {
	url, stop := startServe(t)
	resp, err := http.Get(url + "/events?channel=cli")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)

	// No --url and no --token: the local hub with the key from the config folder... which
	// is on another port here, so pass --url with a loopback host: the key is still read.
	out, errOut := &syncBuffer{}, &syncBuffer{}
	code := Run([]string{"publish", "--url", url, "--channel", "cli", "--event", "note", "hello there"}, strings.NewReader(""), out, errOut)
	if code != 0 {
		t.Fatalf("publish exit %d: %s", code, errOut.String())
	}
	id := strings.TrimSpace(out.String())
	if !regexp.MustCompile(`^\d+-\d+$`).MatchString(id) {
		t.Fatalf("publish printed %q, want an id", id)
	}
	out2 := &syncBuffer{}
	if code := Run([]string{"publish", "--url", url, "--channel", "cli", "--json", "-"}, strings.NewReader(`{"a": [1, 2]}`+"\n"), out2, errOut); code != 0 {
		t.Fatalf("publish - exit %d: %s", code, errOut.String())
	}
	want := []string{"id: " + id, "event: note", "data: hello there", "", "id: " + strings.TrimSpace(out2.String()), `data: {"a":[1,2]}`}
	var got []string
	for len(got) < 20 {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		line = strings.TrimSuffix(line, "\n")
		if strings.HasPrefix(line, "id: ") || len(got) > 0 {
			got = append(got, line)
		}
		if len(got) == len(want) {
			break
		}
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("stream:\n%q\nwant\n%q", got, want)
	}

	// Errors from the hub come back readable, with exit code 1.
	errOut3 := &syncBuffer{}
	if code := Run([]string{"publish", "--url", url, "--token", "wrong-token", "x"}, strings.NewReader(""), io.Discard, errOut3); code != 1 ||
		!strings.Contains(errOut3.String(), "401") || !strings.Contains(errOut3.String(), "not valid for this hub") {
		t.Errorf("wrong token: exit %d, %q", code, errOut3.String())
	}
	errOut4 := &syncBuffer{}
	if code := Run([]string{"publish", "--url", url, "--event", "herald.x", "x"}, strings.NewReader(""), io.Discard, errOut4); code != 1 || !strings.Contains(errOut4.String(), "reserved") {
		t.Errorf("reserved event: exit %d, %q", code, errOut4.String())
	}

	// HERALD_URL and HERALD_TOKEN stand in for --url and --token.
	t.Setenv("HERALD_URL", url)
	t.Setenv("HERALD_TOKEN", "from-the-environment")
	errOut5 := &syncBuffer{}
	if code := Run([]string{"publish", "x"}, strings.NewReader(""), io.Discard, errOut5); code != 1 || !strings.Contains(errOut5.String(), "401") {
		t.Errorf("HERALD_TOKEN not used: exit %d, %q", code, errOut5.String())
	}

	// Graceful stop: the stream gets herald.shutdown.
	go stop()
	var sawShutdown bool
	for range 50 {
		line, err := r.ReadString('\n')
		if err != nil {
			break
		}
		if line == "event: herald.shutdown\n" {
			sawShutdown = true
			break
		}
	}
	if !sawShutdown {
		t.Error("no herald.shutdown on the stream after stopping serve")
	}
}

func TestServeKeyFileAndEnv(t *testing.T) {
	t.Setenv("HERALD_HISTORY", "77")
	url, _ := startServe(t, "--demo", "--demo-time-interval", "20ms")
	key, err := os.ReadFile(filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "herald", "key"))
	if err != nil || len(strings.TrimSpace(string(key))) < 16 {
		t.Fatalf("key file: %q, %v", key, err)
	}
	resp, err := http.Get(url + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"maxEvents":77`) {
		t.Errorf("HERALD_HISTORY=77 not applied: %s", b)
	}
	// --demo publishes on time every 20 ms.
	ev, err := http.Get(url + "/events?channel=time")
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Body.Close()
	sc := bufio.NewScanner(ev.Body)
	for sc.Scan() {
		if sc.Text() == "event: tick" {
			return
		}
	}
	t.Error("no tick event from --demo")
}

func TestServeUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"serve", "extra"}, {"serve", "--nope"}, {"serve", "--log-level", "loud"}} {
		errOut := &syncBuffer{}
		if code := Run(args, strings.NewReader(""), io.Discard, errOut); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errOut.String())
		}
	}
	errOut := &syncBuffer{}
	if code := Run([]string{"publish", "a", "b"}, strings.NewReader(""), io.Discard, errOut); code != 2 {
		t.Errorf("publish a b: exit %d, want 2", code)
	}
}
