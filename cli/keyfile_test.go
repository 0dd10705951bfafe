package cli

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeKeyFile: --key-file makes the key where it says (mode 0600, as the service's
// StateDirectory needs), and `herald token` with HERALD_KEY_FILE signs with that key, so an
// operator can mint tokens for a service whose key is not in their own config folder.
func TestServeKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "key")
	url, _ := startServe(t, "--key-file", path, "--history-store", "memory")
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("--key-file made no key: %v", err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %#o; want 0600", info.Mode().Perm())
	}
	t.Setenv("HERALD_KEY_FILE", path)
	var out, errs syncBuffer
	if code := Run([]string{"token", "--publish", "*", "--url", url}, strings.NewReader(""), &out, &errs); code != 0 {
		t.Fatalf("herald token: exit %d: %s", code, errs.String())
	}
	tok := strings.Fields(out.String())[0]
	req, _ := http.NewRequest(http.MethodPost, url+"/publish?channel=k", strings.NewReader("hi"))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("publish with a token signed by the key file's key: %d; want 200", resp.StatusCode)
	}
}
