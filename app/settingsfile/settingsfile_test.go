package settingsfile

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/heraldhq/herald/app/model"
)

func TestSaveLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald", Name)
	if s, found, err := Load(path); err != nil || found || s.Hub.Port != model.DefaultHubPort {
		t.Fatalf("no file: %+v %v %v, want the defaults", s.Hub, found, err)
	}
	s := model.DefaultSettings()
	s.DND = true
	s.Feeds = []model.FeedConfig{{Name: "CI", URL: "http://h:1", Enabled: true}}
	if err := Save(path, s); err != nil {
		t.Fatal(err)
	}
	got, found, err := Load(path)
	if err != nil || !found || !got.DND || len(got.Feeds) != 1 || got.Feeds[0].Name != "CI" {
		t.Fatalf("loaded %+v %v %v", got, found, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("settings file mode %v, want 0600 (it holds tokens)", st.Mode().Perm())
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestDamagedFileSaysSo(t *testing.T) {
	path := filepath.Join(t.TempDir(), Name)
	os.WriteFile(path, []byte(`{"dnd":tr`), 0o600)
	s, found, err := Load(path)
	if err == nil || !found || !strings.Contains(err.Error(), path) || s.Hub.Port != model.DefaultHubPort {
		t.Errorf("damaged file: %v %v %+v", err, found, s.Hub)
	}
}

// TestReadersNeverSeeAPartialFile: while one goroutine saves over and over, readers always
// read a whole document (Fyne's in-place rewrite let them read an empty file: EOF).
func TestReadersNeverSeeAPartialFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), Name)
	s := model.DefaultSettings()
	for i := range 50 {
		s.Feeds = append(s.Feeds, model.FeedConfig{Name: strings.Repeat("f", i+1), URL: "http://h:1"})
	}
	if err := Save(path, s); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			s.DND = i%2 == 0
			if err := Save(path, s); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for range 300 {
		got, _, err := Load(path)
		if err != nil || len(got.Feeds) != 50 {
			t.Fatalf("a reader saw %d feeds, err %v", len(got.Feeds), err)
		}
	}
	close(stop)
	wg.Wait()
}
