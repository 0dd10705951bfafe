// Package settingsfile keeps the desktop app's settings in one JSON file, written atomically:
// a temporary file in the same folder, synced, then renamed over the old one, so a reader (or
// a crash mid-write) sees the old document or the new one, never a truncated one. Fyne's own
// preferences truncate preferences.json in place and write it again, and a second reader saw
// it empty ("Preferences load error: EOF"); the app keeps nothing there any more.
package settingsfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/heraldhq/herald/app/model"
)

// Name is the file's name inside the app's config folder.
const Name = "settings.json"

// Load reads the settings at path. found is false when there is no file yet (first run, or
// settings still in Fyne's preferences): s is then the defaults. A damaged file gives the
// defaults and an error that says so; the file is left for the user to inspect.
func Load(path string) (s model.Settings, found bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return model.DefaultSettings(), false, nil
	}
	if err != nil {
		return model.DefaultSettings(), false, fmt.Errorf("cannot read %s (%v); starting with defaults", path, err)
	}
	s, err = model.DecodeSettings(string(b))
	if err != nil {
		return s, true, fmt.Errorf("%s: %w", path, err)
	}
	return s, true, nil
}

// Save writes s to path atomically (temp file, fsync, rename, fsync of the folder).
func Save(path string, s model.Settings) error {
	if err := WriteAtomic(path, []byte(s.Encode())); err != nil {
		return fmt.Errorf("saving the settings: %w", err)
	}
	return nil
}

// WriteAtomic writes data to path so that a reader, or a crash mid-write, finds the old
// file or the new one, never part of one: a temporary file (mode 0600) in the same folder,
// synced, renamed over path, then the folder synced so the rename itself is durable. The
// app's other small files (its last state, app/statefile) are written the same way.
func WriteAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create %s: %v", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("cannot write in %s: %v", dir, err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
