package cli

import (
	"os"

	"github.com/heraldhq/herald/server/auth"
)

// keyFilePath returns where this machine's hub key is kept: path when given (serve's
// --key-file), else $HERALD_KEY_FILE (set by herald.service to /var/lib/herald/key, so
// `herald token` and `herald publish` find a service's key too), else the key file in the
// user config folder.
func keyFilePath(path string) (string, error) {
	if path != "" {
		return path, nil
	}
	if p := os.Getenv("HERALD_KEY_FILE"); p != "" {
		return p, nil
	}
	return auth.DefaultKeyPath()
}
