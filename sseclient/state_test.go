package sseclient

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

func TestStateString(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		s    State
		want string
	}{
		{State{Phase: Connecting, Attempt: 1}, "connecting"},
		{State{Phase: Connecting, Attempt: 3}, "connecting (attempt 3)"},
		{State{Phase: Open}, "open"},
		{State{Phase: Retrying, Delay: 1500 * time.Millisecond, Attempt: 2, Err: boom}, "retrying in 1.5s (attempt 2): boom"},
		{State{Phase: Retrying, Err: ErrRestarted}, "retrying in 0s: sseclient: restarted by the caller"},
		{State{Phase: Closed}, "closed"},
		{State{Phase: Closed, Err: boom}, "closed: boom"},
		{State{Phase: Phase(9)}, "Phase(9)"},
	}
	for _, c := range cases {
		if got := c.s.String(); got != c.want {
			t.Errorf("%#v.String() = %q, want %q", c.s, got, c.want)
		}
	}
}

// TestClientRetriesNetworkErrors points the client at a closed port: it must keep retrying
// (with growing delays) and say why, until its context ends.
func TestClientRetriesNetworkErrors(t *testing.T) {
	checkGoroutines(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connection refused
	c, states := testClient(t, "http://"+addr+"/events")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c.OnState = func(s State) {
		*states = append(*states, s)
		if s.Phase == Retrying && s.Attempt == 3 {
			cancel()
		}
	}
	for _, err := range c.Events(ctx) {
		t.Fatalf("a network error ended the subscription: %v", err)
	}
	d := delays(*states)
	if len(d) != 3 || !(d[0] < d[1] && d[1] < d[2]) {
		t.Fatalf("delays %v, want three growing delays", d)
	}
	if s := (*states)[1]; !strings.Contains(s.Err.Error(), "connecting to") || !strings.Contains(s.Err.Error(), "refused") {
		t.Fatalf("state %v does not say the connection was refused", s)
	}
}
