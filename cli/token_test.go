package cli

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/auth"
)

const tokenTestKey = "cli-test-key-0123456789abcdef"

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestTokenMintsVerifiableToken(t *testing.T) {
	code, out, errOut := runCLI(t, "token", "--publish", "alerts.*", "--subscribe", "news,stocks.*", "--subscribe", "extra",
		"--ttl", "2h", "--key", tokenTestKey, "--url", "http://192.168.1.20:7878")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	tok := strings.TrimSpace(out)
	if strings.Count(out, "\n") != 1 {
		t.Fatalf("stdout must be only the token, got %q", out)
	}
	g, err := auth.Verify(tokenTestKey, tok)
	if err != nil {
		t.Fatalf("minted token does not verify: %v", err)
	}
	if !g.CanPublish("alerts.disk") || g.CanPublish("news") {
		t.Errorf("publish scope %v", g.Publish)
	}
	for _, ch := range []string{"news", "stocks.AAPL", "extra"} {
		if !g.CanSubscribe(ch) {
			t.Errorf("cannot subscribe %q; scope %v", ch, g.Subscribe)
		}
	}
	if d := time.Until(g.Expires); d < 119*time.Minute || d > 121*time.Minute {
		t.Errorf("expires in %v, want 2h", d)
	}
	var link string
	for _, line := range strings.Split(errOut, "\n") {
		if rest, ok := strings.CutPrefix(line, "Invite link: "); ok {
			link = rest
		}
	}
	u, err := url.Parse(link)
	if err != nil || link == "" {
		t.Fatalf("no invite link in stderr %q", errOut)
	}
	if u.Host != "192.168.1.20:7878" || u.Path != "/" || u.Query().Get("token") != tok {
		t.Errorf("invite link %q does not open the dashboard with the token", link)
	}
}

func TestTokenKeySources(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)

	t.Setenv("HERALD_KEY", tokenTestKey)
	code, out, errOut := runCLI(t, "token", "--subscribe", "*", "--url", "http://h:1")
	if code != 0 {
		t.Fatalf("env key: exit %d, %s", code, errOut)
	}
	if _, err := auth.Verify(tokenTestKey, strings.TrimSpace(out)); err != nil {
		t.Fatalf("token from HERALD_KEY does not verify: %v", err)
	}

	t.Setenv("HERALD_KEY", "")
	code, out, errOut = runCLI(t, "token", "--subscribe", "*", "--ttl", "0", "--url", "http://h:1")
	if code != 0 {
		t.Fatalf("key file: exit %d, %s", code, errOut)
	}
	path, err := auth.DefaultKeyPath()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(path, dir) {
		t.Skipf("config dir %q is not under the test's XDG_CONFIG_HOME on this OS", path)
	}
	key, err := auth.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	g, err := auth.Verify(key, strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("token does not verify with the key file it made: %v", err)
	}
	if !g.Expires.IsZero() {
		t.Errorf("--ttl 0 gave an expiry")
	}
	if strings.Contains(errOut, "Valid until") {
		t.Errorf("--ttl 0 printed an expiry: %q", errOut)
	}
}

func TestTokenUsageErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		code    int
		wantErr string
	}{
		{"no patterns", []string{"--key", tokenTestKey}, 2, "at least one --publish or --subscribe"},
		{"bad pattern", []string{"--publish", "a*b", "--key", tokenTestKey}, 2, "whole dot segment"},
		{"negative ttl", []string{"--subscribe", "a", "--ttl", "-1h", "--key", tokenTestKey}, 2, "negative"},
		{"bad ttl", []string{"--subscribe", "a", "--ttl", "forever", "--key", tokenTestKey}, 2, "invalid value"},
		{"short key", []string{"--subscribe", "a", "--key", "short"}, 2, "at least 16"},
		{"stray argument", []string{"--subscribe", "a", "b", "--key", tokenTestKey}, 2, `unexpected argument "b"`},
		{"bad url", []string{"--subscribe", "a", "--key", tokenTestKey, "--url", "ftp://x"}, 2, "not a hub URL"},
		{"unknown flag", []string{"--admin"}, 2, "flag provided but not defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, append([]string{"token"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.wantErr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errOut, tc.code, tc.wantErr)
			}
		})
	}
}

func TestTokenHelp(t *testing.T) {
	code, _, errOut := runCLI(t, "token", "-h")
	if code != 0 || !strings.Contains(errOut, "--publish") {
		t.Fatalf("exit %d, help %q", code, errOut)
	}
}

func TestInviteLinkKeepsPath(t *testing.T) {
	got, err := inviteLink("https://hub.example:8443/herald", "T.O.K")
	if err != nil {
		t.Fatal(err)
	}
	if got != "https://hub.example:8443/herald?token=T.O.K" {
		t.Fatalf("link %q", got)
	}
}

func TestGuessLANURLShape(t *testing.T) {
	u := guessLANURL()
	if u == "" {
		t.Skip("this machine has no non-loopback IPv4 address")
	}
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "http" || p.Port() != defaultHubPort || strings.HasPrefix(p.Hostname(), "127.") {
		t.Fatalf("guessed %q", u)
	}
}
