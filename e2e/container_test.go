package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestContainerContext runs what the FROM scratch image would run, without a Docker engine
// (none runs on these machines): the static binary that scripts/container.sh puts in the
// build context, with only the Dockerfile's environment, as uid 65532, its key and history
// in a /data stand-in owned by that uid. The hub must come up, make its key there, pass its
// own HEALTHCHECK and carry a publish to a subscriber.
func TestContainerContext(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test switches to uid 65532 with setpriv and needs root (CI runs as root)")
	}
	root := repoRoot()
	build := exec.Command(filepath.Join(root, "scripts", "container.sh"), "--context")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("scripts/container.sh --context: %v\n%s", err, out)
	}
	// The hub's uid must reach the binary and own /data: a world-readable folder of our own.
	dir, err := os.MkdirTemp("", "herald-container-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "herald")
	raw, err := os.ReadFile(filepath.Join(root, "bin", "container", "herald"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, raw, 0o555); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	os.Mkdir(data, 0o755)
	if err := os.Chown(data, 65532, 65532); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	env := []string{"HERALD_ADDR=" + addr, "HERALD_KEY_FILE=" + data + "/key",
		"HERALD_HISTORY_FILE=" + data + "/history.db", "HERALD_ADVERTISE=false",
		"XDG_CONFIG_HOME=" + data, "HOME=" + data}
	asHub := func(args ...string) *exec.Cmd {
		a := append([]string{"--reuid", "65532", "--regid", "65532", "--clear-groups", "env", "-i"}, env...)
		return exec.Command("setpriv", append(append(a, bin), args...)...)
	}
	hub := asHub("serve")
	var out lockedBuffer
	hub.Stdout, hub.Stderr = &out, &out
	if err := hub.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		hub.Process.Kill()
		hub.Wait()
		if t.Failed() {
			t.Logf("hub output:\n%s", out.String())
		}
	})
	url := "http://" + addr
	waitHealthy(t, url, 20*time.Second)

	if b, err := asHub("healthcheck").CombinedOutput(); err != nil {
		t.Fatalf("the image's HEALTHCHECK (herald healthcheck) failed: %v\n%s", err, b)
	}
	fi, err := os.Stat(filepath.Join(data, "key"))
	if err != nil {
		t.Fatalf("no key in the data volume: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v, want 0600", fi.Mode().Perm())
	}
	key, _ := os.ReadFile(filepath.Join(data, "key"))

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/events?channel=ci", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "data: ") && strings.Contains(l, "from the container") {
				got <- l
				return
			}
		}
	}()
	// The subscription is registered once its response headers are in; publish after that.
	pub, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/publish?channel=ci&event=notification",
		strings.NewReader("from the container"))
	pub.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(key)))
	pub.Header.Set("Content-Type", "text/plain")
	presp, err := http.DefaultClient.Do(pub)
	if err != nil {
		t.Fatal(err)
	}
	presp.Body.Close()
	if presp.StatusCode != http.StatusOK {
		t.Fatalf("publish with the key from the data volume: %s", presp.Status)
	}
	select {
	case l := <-got:
		t.Logf("subscriber got %q", l)
	case <-ctx.Done():
		t.Fatal("the subscriber never received the published event")
	}
	if _, err := os.Stat(filepath.Join(data, "history.db")); err != nil {
		t.Errorf("no history in the data volume: %v", err)
	}
}
