package journal

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/server"
)

// payload64 is a 64-byte event, the size of the hub's fan-out scenario.
var payload64 = `{"symbol":"AAPL","price":187.42,"change":-1.25,"t":"12:00:00"}..`[:64]

// modes are the stores compared: memory mode, the durable default (fsync every second),
// fsync always (group-committed) and never (--history-no-fsync).
var modes = []string{"memory", "durable", "durable-always", "durable-nosync"}

// benchHub runs a hub in mode behind a loopback server, with room for the benchmark's
// subscribers.
func benchHub(b *testing.B, mode string) (*server.Hub, string) {
	cfg := server.Config{Key: testKey, Logger: quiet, History: 100_000,
		Limits: server.Limits{MaxPerIP: 5000, MaxSubscribers: 5000}}
	if mode != "memory" {
		j, err := Open(Options{Path: filepath.Join(b.TempDir(), "history.db"), MaxEvents: 100_000,
			NoSync: mode == "durable-nosync", Logger: quiet})
		if mode == "durable-always" {
			j.Close()
			j, err = Open(Options{Path: filepath.Join(b.TempDir(), "history.db"), MaxEvents: 100_000, Fsync: FsyncAlways, Logger: quiet})
			if err != nil {
				b.Fatal(err)
			}
		}
		if err != nil {
			b.Fatal(err)
		}
		cfg.Broker = j
	}
	h, err := server.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	b.Cleanup(func() {
		stopHub(h)
		srv.Close()
	})
	return h, srv.URL
}

// poster publishes over HTTP on its own keep-alive connection, as a publisher does.
type poster struct {
	c   *http.Client
	url string
}

func newPoster(url string) *poster {
	return &poster{c: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}, url: url + "/publish"}
}

func (p *poster) post(body []byte) error {
	req, _ := http.NewRequest(http.MethodPost, p.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := p.c.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("publish answered %s", resp.Status)
	}
	return nil
}

// BenchmarkPublish publishes one 64-byte event per call, from one publisher and from 16 at
// once, through the hub's Go API and over HTTP (POST /publish on keep-alive connections),
// in each mode. b.N is the number of events.
func BenchmarkPublish(b *testing.B) {
	body := []byte(fmt.Sprintf(`{"channel":"bench","data":%q}`, payload64))
	for _, api := range []string{"go", "http"} {
		for _, publishers := range []int{1, 16} {
			for _, mode := range modes {
				b.Run(fmt.Sprintf("%s/publishers=%d/%s", api, publishers, mode), func(b *testing.B) {
					h, url := benchHub(b, mode)
					ctx := context.Background()
					msg := server.Message{Channel: "bench", Data: payload64}
					var wg sync.WaitGroup
					errs := make(chan error, publishers)
					b.ResetTimer()
					for w := 0; w < publishers; w++ {
						n := b.N / publishers
						if w < b.N%publishers {
							n++
						}
						wg.Add(1)
						go func() {
							defer wg.Done()
							p := newPoster(url)
							for i := 0; i < n; i++ {
								var err error
								if api == "go" {
									_, err = h.Publish(ctx, msg)
								} else {
									err = p.post(body)
								}
								if err != nil {
									errs <- err
									return
								}
							}
						}()
					}
					wg.Wait()
					b.StopTimer()
					close(errs)
					if err := <-errs; err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
				})
			}
		}
	}
}

// BenchmarkFanout is the hub's fan-out scenario: 1,000 subscribers of one channel, events
// of 64 bytes published through the Go API by 16 publishers at once (so the durable store
// commits them in groups, as it does for concurrent publishers), every subscriber reading
// every event. b.N is the number of events.
func BenchmarkFanout(b *testing.B) {
	const subs, publishers = 1000, 16
	for _, mode := range modes {
		b.Run(fmt.Sprintf("%s/subs=%d/publishers=%d", mode, subs, publishers), func(b *testing.B) {
			h, url := benchHub(b, mode)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: subs}}
			bodies := make([]*bufio.Reader, subs)
			for i := range bodies {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/events?channel=bench", nil)
				resp, err := c.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				defer resp.Body.Close()
				bodies[i] = bufio.NewReaderSize(resp.Body, 64<<10)
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			var failures []string
			fail := func(err error) {
				mu.Lock()
				failures = append(failures, err.Error())
				mu.Unlock()
			}
			b.ResetTimer()
			for _, r := range bodies {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := countEvents(r, b.N); err != nil {
						fail(err)
					}
				}()
			}
			msg := server.Message{Channel: "bench", Data: payload64}
			for w := 0; w < publishers; w++ {
				n := b.N / publishers
				if w < b.N%publishers {
					n++
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < n; i++ {
						if _, err := h.Publish(ctx, msg); err != nil {
							fail(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			if len(failures) > 0 {
				b.Fatalf("%d subscribers failed, e.g. %s", len(failures), failures[0])
			}
			b.ReportMetric(float64(subs*b.N)/b.Elapsed().Seconds(), "deliveries/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// countEvents reads a stream until it has seen n "data:" lines of published events.
func countEvents(r *bufio.Reader, n int) error {
	seen := 0
	for seen < n {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return fmt.Errorf("after %d of %d events: %v", seen, n, err)
		}
		if strings.HasPrefix(string(line), "data: {\"symbol\"") {
			seen++
		}
	}
	return nil
}
