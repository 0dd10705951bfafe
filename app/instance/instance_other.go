//go:build !unix

package instance

// Lock is a no-op where unix sockets and flock are not available (Windows): every launch
// runs on its own there.
type Lock struct{}

func lock(Files, func()) (*Lock, bool, error) { return &Lock{}, true, nil }

func ask(Files) error { return ErrRunning }

// Close does nothing.
func (l *Lock) Close() {}
