package server

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/guard"
)

// batKey is the battery hub's key (the admin token).
const batKey = "battery-key-0123456789abcdef"

// batHub is a hub as `herald serve --private --public 'pub.*'` runs it: Policy, guard
// middleware, NewHTTPServer's timeouts, on a real loopback listener.
type batHub struct {
	*Hub
	URL, addr string
	guard     *guard.Guard
}

func newBatHub(t *testing.T, lim Limits, g guard.Config) *batHub {
	t.Helper()
	opts := auth.Options{Private: true, Public: []string{"pub.*"}}
	pol := auth.NewPolicy(batKey, opts)
	g.IsPublic = pol.IsPublic
	gd := guard.New(g)
	h, err := New(Config{Key: batKey, Auth: pol, Middleware: gd.Middleware, Limits: lim, KeepAlive: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	hs := NewHTTPServer("", h)
	srv.Config.ReadHeaderTimeout = hs.ReadHeaderTimeout
	srv.Config.MaxHeaderBytes = hs.MaxHeaderBytes
	srv.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
		srv.Close()
	})
	return &batHub{Hub: h, URL: srv.URL, addr: srv.Listener.Addr().String(), guard: gd}
}

// batTokens are the tokens the battery uses, minted (or forged) once.
type batTokens struct {
	pubOnly, subSecret, otherChan, expired, wrongKey, algNone, es256 string
}

func mintBatTokens(t *testing.T) batTokens {
	t.Helper()
	mint := func(pub, sub []string) string {
		tok, err := auth.Mint(batKey, pub, sub, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	claims := jwt.MapClaims{"herald": map[string]any{"publish": []string{"*"}, "subscribe": []string{"*"}}}
	sign := func(m jwt.SigningMethod, key any, c jwt.Claims) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	expired := jwt.MapClaims{"herald": claims["herald"], "exp": time.Now().Add(-time.Minute).Unix()}
	return batTokens{
		pubOnly:   mint([]string{"pub.*", "lines"}, nil),
		subSecret: mint(nil, []string{"secret.*"}),
		otherChan: mint([]string{"pub.mine"}, []string{"other"}),
		expired:   sign(jwt.SigningMethodHS256, []byte(batKey), expired),
		wrongKey:  sign(jwt.SigningMethodHS256, []byte("not-the-hub-key-0123456789"), claims),
		algNone:   sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims),
		es256:     sign(jwt.SigningMethodES256, ec, claims),
	}
}

// batResponse is what a case got back.
type batResponse struct {
	status int
	header http.Header
	err    string // the JSON error message, "" when the body was not a JSON error
	body   string
}

func readBatResponse(t *testing.T, resp *http.Response) batResponse {
	t.Helper()
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var e struct{ Error string }
	_ = json.Unmarshal(b, &e)
	return batResponse{status: resp.StatusCode, header: resp.Header, err: e.Error, body: string(b)}
}

// rawRequest sends raw request bytes over a new TCP connection and reads one response.
func rawRequest(t *testing.T, addr, raw string) batResponse {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	return readBatResponse(t, resp)
}

// batStream is a raw /events stream read line by line, so a test sees every field exactly
// as sent.
type batStream struct {
	resp *http.Response
	r    *bufio.Reader
}

func openBatStream(t *testing.T, url string, hdr ...string) *batStream {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		r := readBatResponse(t, resp)
		t.Fatalf("GET %s: %d %s", url, r.status, r.body)
	}
	s := &batStream{resp: resp, r: bufio.NewReader(resp.Body)}
	t.Cleanup(func() { resp.Body.Close() })
	return s
}

// batEvent is one event with its raw field lines.
type batEvent struct {
	ID, Type, Data string
	Lines          []string
}

// next returns the next event (skipping comments), with a bounded wait.
func (s *batStream) next(t *testing.T) batEvent {
	t.Helper()
	timer := time.AfterFunc(15*time.Second, func() { s.resp.Body.Close() })
	defer timer.Stop()
	var ev batEvent
	var data []string
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the stream: %v (partial %q)", err, line)
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			if len(ev.Lines) > 0 {
				ev.Data = strings.Join(data, "\n")
				if ev.Type == "" {
					ev.Type = "message"
				}
				return ev
			}
			continue
		}
		if line[0] == ':' {
			continue
		}
		ev.Lines = append(ev.Lines, line)
		f, v, _ := strings.Cut(line, ":")
		v = strings.TrimPrefix(v, " ")
		switch f {
		case "id":
			ev.ID = v
		case "event":
			ev.Type = v
		case "data":
			data = append(data, v)
		}
	}
}

// nextReal returns the next event that is not a herald.* control event.
func (s *batStream) nextReal(t *testing.T) batEvent {
	t.Helper()
	for range 1000 {
		if ev := s.next(t); !strings.HasPrefix(ev.Type, "herald.") {
			return ev
		}
	}
	t.Fatal("no real event in 1000")
	return batEvent{}
}

// waitConnections polls the hub's stream count until it is n (bounded): the hub notices a
// client that went away only at its next write, so there is no event to wait on.
func waitConnections(t *testing.T, h *Hub, n int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for h.Stats().Connections != n {
		if time.Now().After(deadline) {
			t.Fatalf("hub holds %d streams, want %d", h.Stats().Connections, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
