package journal

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/heraldhq/herald/server"
)

// TestFsyncPolicy is the policy table: what Options ask for and what the journal runs.
// Every policy stores and replays the same; they differ in when the disk is asked to
// keep the bytes (seen here as which syncer runs).
func TestFsyncPolicy(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		want    Fsync
		syncer  bool // the always policy's group-commit syncer
		ticker  bool // the interval policy's periodic fsync
		wantErr string
	}{
		{"zero value is interval", Options{}, FsyncInterval, false, true, ""},
		{"interval", Options{Fsync: FsyncInterval, FsyncInterval: 10 * time.Millisecond}, FsyncInterval, false, true, ""},
		{"always", Options{Fsync: FsyncAlways}, FsyncAlways, true, false, ""},
		{"never", Options{Fsync: FsyncNever}, FsyncNever, false, false, ""},
		{"NoSync (deprecated) is never", Options{NoSync: true}, FsyncNever, false, false, ""},
		{"an explicit policy wins over NoSync", Options{NoSync: true, Fsync: FsyncAlways}, FsyncAlways, true, false, ""},
		{"an unknown policy", Options{Fsync: "sometimes"}, "", false, false, `fsync policy "sometimes": use always, interval or never`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opts
			o.Path, o.Logger = filepath.Join(t.TempDir(), "h.db"), quiet
			j, err := Open(o)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Open error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			if j.opts.Fsync != tc.want || (j.syncs != nil) != tc.syncer || (j.stopTick != nil) != tc.ticker {
				t.Fatalf("policy %q syncer %v ticker %v, want %q %v %v", j.opts.Fsync, j.syncs != nil, j.stopTick != nil, tc.want, tc.syncer, tc.ticker)
			}
			origin, _ := j.Last(context.Background())
			publish(t, j, msgs("p", 3))
			if tc.ticker {
				// The interval syncer clears dirty once it has fsynced.
				deadline := time.Now().Add(5 * time.Second)
				for j.dirty.Load() && time.Now().Before(deadline) {
					time.Sleep(5 * time.Millisecond)
				}
				if tc.opts.FsyncInterval > 0 && j.dirty.Load() {
					t.Fatal("the interval syncer never fsynced")
				}
			}
			if got, gap := since(t, j, origin); gap || datas(got) != "p0 p1 p2" {
				t.Fatalf("stored %q gap %v", datas(got), gap)
			}
		})
	}
}

// segments returns the history's segment files, oldest first.
func segments(t testing.TB, path string) []string {
	t.Helper()
	segs, err := filepath.Glob(filepath.Join(path, "*.log"))
	if err != nil {
		t.Fatal(err)
	}
	return segs
}

// TestTornTail: a power cut mid-write leaves half a record (or garbage) after the last
// whole one; Open cuts it off, keeps everything before it, and ids go on after the newest
// kept (the clock has moved on: the lost ids are not given out again).
func TestTornTail(t *testing.T) {
	tests := []struct {
		name string
		tear func(b []byte) []byte // the last segment's bytes, torn
	}{
		{"half a record", func(b []byte) []byte { return b[:len(b)-5] }},
		{"only a frame header", func(b []byte) []byte { return append(b, 0, 0, 0, 40, 1, 2) }},
		{"a flipped byte in the last record", func(b []byte) []byte { b[len(b)-3] ^= 0xff; return b }},
		{"zeros after the end (a file extended, its data lost)", func(b []byte) []byte { return append(b, make([]byte, 4096)...) }},
		{"an absurd length", func(b []byte) []byte { return append(b, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "h.db")
			j, err := Open(Options{Path: path, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			origin, _ := j.Last(context.Background())
			evs := publish(t, j, msgs("d", 4))
			j.Close()
			seg := segments(t, path)[0]
			b, err := os.ReadFile(seg)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(seg, tc.tear(b), 0o600); err != nil {
				t.Fatal(err)
			}
			j = open(t, path, 0, 0)
			got, gap := since(t, j, origin)
			want := "d0 d1 d2 d3"
			if tc.name == "half a record" || strings.HasPrefix(tc.name, "a flipped byte") {
				want = "d0 d1 d2" // the last record itself was torn
			}
			if gap || datas(got) != want {
				t.Fatalf("after recovery: %q gap %v, want %q", datas(got), gap, want)
			}
			last, _ := j.Last(context.Background())
			if last != got[len(got)-1].ID {
				t.Fatalf("Last = %s, want the newest kept %s", last, got[len(got)-1].ID)
			}
			time.Sleep(2 * time.Millisecond) // the clock moves on, as it has after a power cut
			next := publish(t, j, msgs("n", 1))
			if !evs[3].ID.Less(next[0].ID) {
				t.Fatalf("the id after recovery %s is not newer than the lost %s", next[0].ID, evs[3].ID)
			}
			j.Close()
			j = open(t, path, 0, 0)
			if got, gap := since(t, j, origin); gap || datas(got) != want+" n0" {
				t.Fatalf("after writing past the cut and reopening: %q gap %v", datas(got), gap)
			}
		})
	}
}

// TestSegments: with a small size bound the log rolls over to new segments and deletes the
// ones whose events were all trimmed, and a reopen reads across them.
func TestSegments(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	const maxBytes = 1 << 20 // segments of 1 MiB (the smallest)
	j := open(t, path, 100_000, maxBytes)
	big := strings.Repeat("x", 16<<10)
	var all []server.Event
	for i := 0; i < 200; i++ { // 3.2 MB: about three times the bound
		all = append(all, publish(t, j, []server.Message{{Channel: "c", Data: big}})...)
	}
	segs := segments(t, path)
	if len(segs) < 2 || len(segs) > 3 {
		t.Fatalf("%d segments for a 1 MiB bound (want the kept ones only): %v", len(segs), segs)
	}
	kept, gap := since(t, j, j.base)
	if gap || len(kept) == 0 || kept[len(kept)-1].ID != all[len(all)-1].ID {
		t.Fatalf("kept %d events gap %v", len(kept), gap)
	}
	if n := len(kept) * (16 << 10); n > maxBytes {
		t.Fatalf("kept %d bytes of data, over the bound", n)
	}
	if _, gap := since(t, j, all[0].ID); !gap {
		t.Fatal("a trimmed id replays without a gap")
	}
	base := j.base
	j.Close()
	j = open(t, path, 100_000, maxBytes)
	again, gap := since(t, j, base)
	if gap || len(again) != len(kept) || again[0].ID != kept[0].ID {
		t.Fatalf("after reopen: %d events from %v (gap %v), want %d from %v", len(again), again[0].ID, gap, len(kept), kept[0].ID)
	}
}

// TestMigrateBbolt: a history file of the earlier format (bbolt) is migrated on open: the
// events keep their ids and keys, a resume from before the upgrade replays without a gap,
// and the old file is kept beside the new log.
func TestMigrateBbolt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := []server.ID{{Ms: 1700000000000, Seq: 3}, {Ms: 1700000000000, Seq: 4}, {Ms: 1700000000500, Seq: 1}}
	in := []server.Message{{Channel: "a", Data: "one"}, {Channel: "b", Event: "x", Key: "k-1", Data: "two\nlines", Retry: 900}, {Channel: "a", Data: "three"}}
	base := server.ID{Ms: 1700000000000, Seq: 2}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket([]byte("meta"))
		evs, _ := tx.CreateBucket([]byte("events"))
		meta.Put([]byte("format"), []byte(formatV1))
		meta.Put([]byte("last"), v1Key(ids[2]))
		meta.Put([]byte("base"), v1Key(base))
		for i := range ids {
			if err := evs.Put(v1Key(ids[i]), encode(nil, &in[i])); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	j := open(t, path, 0, 0)
	if last, _ := j.Last(context.Background()); last != ids[2] {
		t.Fatalf("Last after migration = %s, want %s", last, ids[2])
	}
	got, gap := since(t, j, base)
	if gap || len(got) != 3 {
		t.Fatalf("migrated %d events (gap %v), want 3", len(got), gap)
	}
	for i := range got {
		if got[i].ID != ids[i] || got[i].Message != in[i] {
			t.Fatalf("event %d migrated as %+v, want %v %+v", i, got[i], ids[i], in[i])
		}
	}
	if again := publish(t, j, []server.Message{{Channel: "b", Key: "k-1", Data: "retry"}}); again[0].ID != ids[1] {
		t.Fatalf("the migrated key k-1 answered %s, want %s", again[0].ID, ids[1])
	}
	if fi, err := os.Stat(path + oldSuffix); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("the old file is not kept at %s: %v", path+oldSuffix, err)
	}
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		t.Fatalf("the history at %s is not a log folder now: %v", path, err)
	}
}

func v1Key(id server.ID) []byte {
	k := make([]byte, 16)
	for i := 0; i < 8; i++ {
		k[i] = byte(id.Ms >> (56 - 8*i))
		k[8+i] = byte(id.Seq >> (56 - 8*i))
	}
	return k
}

// TestForeignFolder: a folder holding other files is not taken over as a history.
func TestForeignFolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(Options{Path: dir, Logger: quiet})
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "notes.txt") {
		t.Fatalf("Open of a folder of other files: %v, want ErrDamaged naming a file", err)
	}
	if des, _ := os.ReadDir(dir); len(des) != 1 {
		t.Fatalf("files written into a foreign folder: %v", des)
	}
}
