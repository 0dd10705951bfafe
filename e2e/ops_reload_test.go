package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeAtomically replaces path with content (mode 0600) the way an operator's tools do:
// a new file renamed over the old one.
func writeAtomically(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// mintWith runs `herald token --publish '*'` against the key file and returns the token.
func mintWith(t *testing.T, keyFile string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, herald(), "token", "--publish", "*", "--url", "http://127.0.0.1:1")
	cmd.Env = append(os.Environ(), "HERALD_KEY_FILE="+keyFile)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("herald token: %v", err)
	}
	return strings.Fields(string(out))[0]
}

// publishText publishes text to channel ops with tok and returns the status.
func publishText(t *testing.T, url, tok, text string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/publish?channel=ops", strings.NewReader(text))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestServeReloadOnSIGHUP: a real `herald serve` with a key file and a config file gets
// SIGHUP after the key file is replaced and the config's body limit lowered. The three
// streams opened before keep receiving; a token of the old key gets 401, one of the new key
// 200; the new limit holds (413, and /stats says so); a setting that cannot change live is
// logged as needing a restart; a broken config file on a later SIGHUP is logged and changes
// nothing.
func TestServeReloadOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	keyFile, conf := filepath.Join(dir, "key"), filepath.Join(dir, "herald.conf")
	writeAtomically(t, keyFile, "e2e-reload-key-one-0123456789abcdef\n")
	writeAtomically(t, conf, "# before\nmax-body-bytes = 100000\n")
	port := freePort(t)
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	p := start(t, []string{"XDG_CONFIG_HOME=" + dir, "HOME=" + dir}, herald(),
		"serve", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--key-file", keyFile, "--config", conf, "--history-store", "memory")
	waitHealthy(t, url, 20*time.Second)

	var streams []<-chan string
	for range 3 {
		resp, err := http.Get(url + "/events?channel=ops")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		data := make(chan string, 64)
		go func() {
			defer close(data)
			sc := bufio.NewScanner(resp.Body)
			event := ""
			for sc.Scan() {
				line := sc.Text()
				if e, ok := strings.CutPrefix(line, "event: "); ok {
					event = e
				}
				if d, ok := strings.CutPrefix(line, "data: "); ok && !strings.HasPrefix(event, "herald.") {
					data <- d // the hub's own herald.connected is not what the test sent
				}
				if line == "" {
					event = ""
				}
			}
		}()
		streams = append(streams, data)
	}
	receive := func(want string) {
		t.Helper()
		for i, s := range streams {
			select {
			case d, ok := <-s:
				if !ok || d != want {
					t.Fatalf("stream %d: got %q (open %v); want %q", i, d, ok, want)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("stream %d: %q did not arrive within 10 s", i, want)
			}
		}
	}
	oldTok := mintWith(t, keyFile)
	if st := publishText(t, url, oldTok, "before"); st != http.StatusOK {
		t.Fatalf("publish before the reload: %d", st)
	}
	receive("before")

	writeAtomically(t, keyFile, "e2e-reload-key-two-0123456789abcdef\n")
	writeAtomically(t, conf, "# after\nmax-body-bytes = 200\nkeepalive = 5s\n")
	if err := p.Cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, p, "msg=reloaded", 20*time.Second)
	if out := p.Output(); !strings.Contains(out, "key_rotated=true") || !strings.Contains(out, "changed=[max-body-bytes]") ||
		!strings.Contains(out, `"a changed setting needs a restart to take effect" setting=keepalive running=15s new=5s`) {
		t.Fatalf("the reload's log does not say what changed:\n%s", out)
	}
	if st := publishText(t, url, oldTok, "old key"); st != http.StatusUnauthorized {
		t.Errorf("publish with a token of the old key after the rotation: %d; want 401", st)
	}
	newTok := mintWith(t, keyFile)
	if st := publishText(t, url, newTok, "after"); st != http.StatusOK {
		t.Fatalf("publish with a token of the new key: %d; want 200", st)
	}
	receive("after")
	if st := publishText(t, url, newTok, strings.Repeat("x", 300)); st != http.StatusRequestEntityTooLarge {
		t.Errorf("a 300-byte publish under the reloaded 200-byte limit: %d; want 413", st)
	}
	var stats struct {
		Connections int
		Limits      struct{ MaxBodyBytes int64 }
	}
	resp, err := http.Get(url + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&stats)
	resp.Body.Close()
	if err != nil || stats.Limits.MaxBodyBytes != 200 || stats.Connections != 3 {
		t.Errorf("/stats after the reload: %+v (%v); want max body 200 and the 3 streams", stats, err)
	}

	// A broken config: logged with its file and line, and nothing changes.
	writeAtomically(t, conf, "max-body-bytes = 200\nmax-batch = lots\n")
	if err := p.Cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, p, "reload failed; the hub keeps its settings", 20*time.Second)
	if !strings.Contains(p.Output(), `herald.conf:2: max-batch = \"lots\"`) {
		t.Errorf("the failed reload does not name the line:\n%s", p.Output())
	}
	if st := publishText(t, url, newTok, "still"); st != http.StatusOK {
		t.Fatalf("publish after a failed reload: %d", st)
	}
	receive("still")
}
