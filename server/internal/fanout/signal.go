package fanout

import "sync/atomic"

// signal is a wake-up any number of goroutines wait on at once: wait returns a channel that
// the next fire closes (and replaces). A waiter loads the channel before it looks at the
// state the signal announces, so a fire in between is never missed. The zero signal is
// not ready: call init first.
type signal struct{ c atomic.Pointer[chan struct{}] }

func (s *signal) init() {
	c := make(chan struct{})
	s.c.Store(&c)
}

// wait returns the channel the next fire closes.
func (s *signal) wait() <-chan struct{} { return *s.c.Load() }

// fire wakes every goroutine waiting on the current channel.
func (s *signal) fire() {
	c := make(chan struct{})
	close(*s.c.Swap(&c))
}
