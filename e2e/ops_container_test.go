package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/netns"
)

// dockerfile is what the test reads from packaging/docker/Dockerfile.
type dockerfile struct {
	env               []string // ENV, as KEY=VALUE
	user, volume      string
	expose            string
	healthcheck, argv []string // HEALTHCHECK CMD, and ENTRYPOINT followed by CMD
	copies            []string // COPY lines
	from              string
}

// readDockerfile parses the few instructions the image uses (joining "\" continuations).
func readDockerfile(t *testing.T, path string) dockerfile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`\\\n\s*`).ReplaceAllString(string(b), " ")
	var d dockerfile
	jsonArgs := func(s string) []string {
		var a []string
		if err := json.Unmarshal([]byte(s), &a); err != nil {
			t.Fatalf("Dockerfile: %q is not an exec-form JSON list: %v", s, err)
		}
		return a
	}
	var entry, cmd []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		instr, rest, _ := strings.Cut(line, " ")
		switch instr {
		case "FROM":
			d.from = rest
		case "ENV":
			d.env = append(d.env, strings.Fields(rest)...)
		case "USER":
			d.user = rest
		case "VOLUME":
			d.volume = rest
		case "EXPOSE":
			d.expose = rest
		case "COPY":
			d.copies = append(d.copies, rest)
		case "ENTRYPOINT":
			entry = jsonArgs(rest)
		case "CMD":
			cmd = jsonArgs(rest)
		case "HEALTHCHECK":
			_, c, ok := strings.Cut(rest, "CMD ")
			if !ok {
				t.Fatalf("HEALTHCHECK without CMD: %q", rest)
			}
			d.healthcheck = jsonArgs(c)
		}
	}
	d.argv = append(entry, cmd...)
	return d
}

// TestContainer builds the container's context with scripts/container.sh (the static
// binary) and checks the image's recipe. Where a Docker engine answers, it builds the image
// and runs it once (publish, subscribe). Where none does (this CI machine has the docker
// client but no daemon), it runs what the image would run, for real: the binary from the
// context, in a chroot holding nothing but it and /data (so a dynamically linked binary
// could not start), as uid 65532, with exactly the Dockerfile's environment, in a private
// network namespace where it takes port 7878; its own healthcheck, a publish and a
// subscribe must work, and the key and history land in /data.
func TestContainer(t *testing.T) {
	root := filepath.Join("..")
	if !netns.Child() {
		out, err := exec.Command(filepath.Join(root, "scripts", "container.sh"), "--context").CombinedOutput()
		if err != nil {
			t.Fatalf("scripts/container.sh --context: %v\n%s", err, out)
		}
		d := readDockerfile(t, filepath.Join(root, "bin", "container", "Dockerfile"))
		checkRecipe(t, d)
		if exec.Command("docker", "info").Run() == nil {
			runDockerImage(t, root)
		} else {
			t.Log("no Docker engine answers here (docker info fails: the client is installed, no daemon runs), so the image is not built; running its binary as the image would instead")
		}
	}
	if !netns.Isolate(t) {
		return
	}
	runLikeTheImage(t, root)
}

// checkRecipe: FROM scratch, non-root, /data volume, port 7878, the binary's own healthcheck.
func checkRecipe(t *testing.T, d dockerfile) {
	t.Helper()
	if d.from != "scratch" || d.user != "65532:65532" || d.volume != "/data" || d.expose != "7878" {
		t.Errorf("Dockerfile FROM %q USER %q VOLUME %q EXPOSE %q; want scratch, 65532:65532, /data, 7878", d.from, d.user, d.volume, d.expose)
	}
	if strings.Join(d.healthcheck, " ") != "/herald healthcheck" || strings.Join(d.argv, " ") != "/herald serve" {
		t.Errorf("HEALTHCHECK %q, ENTRYPOINT+CMD %q", d.healthcheck, d.argv)
	}
	for _, want := range []string{"HERALD_KEY_FILE=/data/key", "HERALD_HISTORY_FILE=/data/history.db", "HERALD_ADDR=0.0.0.0:7878"} {
		if !strings.Contains(strings.Join(d.env, " "), want) {
			t.Errorf("Dockerfile ENV lacks %s: %q", want, d.env)
		}
	}
}

// runLikeTheImage runs the context's binary as the image would (see TestContainer).
func runLikeTheImage(t *testing.T, root string) {
	d := readDockerfile(t, filepath.Join(root, "bin", "container", "Dockerfile"))
	fsroot := t.TempDir()
	if err := os.Chmod(fsroot, 0o755); err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(filepath.Join(root, "bin", "container", "herald"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fsroot, "herald"), bin, 0o555); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(fsroot, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(data, 65532, 65532); err != nil {
		t.Fatal(err)
	}
	// chroot --userspec drops to the image's USER after entering the folder; the process
	// sees the Dockerfile's ENV and nothing else.
	inImage := func(args ...string) *exec.Cmd {
		cmd := exec.Command("chroot", append([]string{"--userspec=" + d.user, fsroot}, args...)...)
		cmd.Env = d.env
		return cmd
	}
	buf := &lockedBuffer{}
	cmd := inImage(d.argv...)
	cmd.Stdout, cmd.Stderr = buf, buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Proc{Cmd: cmd, out: buf}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("the hub's output:\n%s", buf.String())
		}
	})
	url := "http://127.0.0.1:7878"
	waitHealthy(t, url, 20*time.Second)

	out, err := inImage(d.healthcheck...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "is healthy") {
		t.Fatalf("the image's HEALTHCHECK %q: %v\n%s", d.healthcheck, err, out)
	}
	for _, f := range []string{"key", "history.db"} {
		info, err := os.Stat(filepath.Join(data, f))
		if err != nil {
			t.Fatalf("/data/%s: %v", f, err)
		}
		if st := info.Sys().(*syscall.Stat_t); st.Uid != 65532 {
			t.Errorf("/data/%s is owned by uid %d; want the image's 65532", f, st.Uid)
		}
	}
	key, err := os.ReadFile(filepath.Join(data, "key"))
	if err != nil {
		t.Fatal(err)
	}
	publishSubscribe(t, url, strings.TrimSpace(string(key)))

	// docker stop sends SIGTERM: the hub drains and exits 0.
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the hub after SIGTERM: %v; want exit 0", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the hub did not exit within 20 s of SIGTERM")
	}
}

// publishSubscribe runs `herald subscribe --max 1` against url, publishes one event with
// key, and checks the subscriber printed it.
func publishSubscribe(t *testing.T, url, key string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sub := exec.CommandContext(ctx, herald(), "subscribe", "--max", "1", url+"/events?channel=box")
	var got lockedBuffer
	sub.Stdout, sub.Stderr = &got, &got
	if err := sub.Start(); err != nil {
		t.Fatal(err)
	}
	// Published once the subscriber is in (herald.connected on its output); herald
	// subscribe reconnects and resumes anyway, so a publish a moment early is not lost.
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(got.String(), "herald.connected") && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	out, err := runHerald(t, ctx, nil, "publish", "--url", url, "--token", key, "--channel", "box", "from the container")
	if err != nil {
		t.Fatalf("herald publish: %v\n%s", err, out)
	}
	if err := sub.Wait(); err != nil {
		t.Fatalf("herald subscribe --max 1: %v\n%s", err, got.String())
	}
	if !strings.Contains(got.String(), "from the container") {
		t.Fatalf("the subscriber did not get the event:\n%s", got.String())
	}
}

// runDockerImage builds the image and runs it once, where a Docker engine answers.
func runDockerImage(t *testing.T, root string) {
	name := fmt.Sprintf("herald-e2e-%d", os.Getpid())
	cmd := exec.Command(filepath.Join(root, "scripts", "container.sh"))
	cmd.Env = append(os.Environ(), "HERALD_IMAGE="+name)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/container.sh: %v\n%s", err, out)
	}
	port := freePort(t)
	out, err := exec.Command("docker", "run", "-d", "--name", name, "-p", fmt.Sprintf("127.0.0.1:%d:7878", port), name+":latest").CombinedOutput()
	if err != nil {
		t.Fatalf("docker run: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := exec.Command("docker", "logs", name).CombinedOutput()
			t.Logf("docker logs:\n%s", logs)
		}
		_ = exec.Command("docker", "rm", "-f", name).Run()
		_ = exec.Command("docker", "image", "rm", name+":latest").Run()
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHealthy(t, url, 30*time.Second)
	key, err := exec.Command("docker", "exec", name, "/herald", "healthcheck").CombinedOutput()
	if err != nil {
		t.Fatalf("healthcheck in the container: %v\n%s", err, key)
	}
	k, err := exec.Command("docker", "cp", name+":/data/key", "-").Output()
	if err != nil {
		t.Fatalf("docker cp the key: %v", err)
	}
	// docker cp - writes a tar stream: the key is the text line in it.
	m := regexp.MustCompile(`[A-Za-z0-9_-]{43}`).Find(k)
	if m == nil {
		t.Fatalf("no key in /data/key of the container")
	}
	publishSubscribe(t, url, string(m))
}
