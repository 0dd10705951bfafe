package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// stalledBody sends some bytes of a body and then stops sending, as a client on a slow or
// stuck uplink does, until the test ends.
type stalledBody struct {
	first []byte
	stop  <-chan struct{}
}

func (b *stalledBody) Read(p []byte) (int, error) {
	if len(b.first) > 0 {
		n := copy(p, b.first)
		b.first = b.first[n:]
		return n, nil
	}
	<-b.stop
	return 0, errors.New("test over")
}

// TestOversizedPublishErrorArrivesAtOnce: a publish whose Content-Length is over the limit
// gets its whole 413 answer, status and JSON body, while the hub still drains the body it
// will not use (up to refuse.LingerTime, 10 s). A client with a 2 s timeout that is still
// sending its body reads the reason, not a timeout.
func TestOversizedPublishErrorArrivesAtOnce(t *testing.T) {
	th := newTestHub(t, Config{Limits: Limits{MaxBodyBytes: 1 << 20}})
	stop := make(chan struct{})
	defer close(stop)
	body := &stalledBody{first: []byte(strings.Repeat("x", 64<<10)), stop: stop}
	req, err := http.NewRequest(http.MethodPost, th.URL+"/publish?channel=big", body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = 2 << 20
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Authorization", "Bearer "+testKey)
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("no answer within the client's 2 s: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("status %d arrived but its body did not within the client's 2 s: %v (read %q)", resp.StatusCode, err, b)
	}
	var e struct{ Error string }
	if resp.StatusCode != http.StatusRequestEntityTooLarge || json.Unmarshal(b, &e) != nil || !strings.Contains(e.Error, "limit is 1048576") {
		t.Fatalf("answer %d %q; want 413 with a JSON error naming the limit", resp.StatusCode, b)
	}
	if resp.ContentLength != int64(len(b)) {
		t.Errorf("Content-Length %d, body %d bytes: the answer should say where it ends", resp.ContentLength, len(b))
	}
}
