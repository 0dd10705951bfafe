//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package fanout

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
	"time"
)

// canPeek tells whether peekGone works on this platform.
const canPeek = true

// tlsProbeWait bounds the read that tells a TLS client's close_notify from other data.
// Bytes are already waiting when it runs, so it returns at once unless a record arrives
// only in part.
const tlsProbeWait = 20 * time.Millisecond

// peekGone reports whether the peer of conn has closed or reset its end, by a
// non-blocking MSG_PEEK read on the socket through the runtime's RawConn (the callback
// returns at once, so the call never parks). A stream's client sends nothing after its
// request, so 0 bytes means end of file. A TLS stream is probed on the socket under it
// (tls.Conn.NetConn); a TLS client that leaves usually sends close_notify before its FIN,
// so when bytes wait there they are read through TLS, briefly, to see whether they end
// the stream.
func peekGone(conn net.Conn) bool {
	tc, isTLS := conn.(*tls.Conn)
	if isTLS {
		conn = tc.NetConn()
	}
	state := peekSocket(conn)
	if state == sockData && isTLS {
		return tlsClosed(tc)
	}
	return state == sockGone
}

// Socket states peekSocket reports.
const (
	sockIdle = iota // nothing to read: the client is there and silent
	sockData        // bytes are waiting
	sockGone        // end of file or an error: the client left
)

func peekSocket(conn net.Conn) int {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return sockIdle
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return sockIdle
	}
	var n int
	var perr error
	var b [1]byte
	if err := rc.Read(func(fd uintptr) bool {
		n, _, perr = syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return true
	}); err != nil {
		if errors.Is(err, net.ErrClosed) {
			return sockGone
		}
		return sockIdle
	}
	switch {
	case perr == nil && n == 0:
		return sockGone
	case perr == nil:
		return sockData
	case errors.Is(perr, syscall.EAGAIN), errors.Is(perr, syscall.EWOULDBLOCK), errors.Is(perr, syscall.EINTR):
		return sockIdle
	}
	return sockGone // ECONNRESET and the like
}

// tlsClosed reads what waits on a TLS stream (the client has nothing to say on it, so it
// is dropped) and reports whether it was the client's close_notify or the end of the
// connection. tls.Conn reads and writes under separate locks, so a write in progress on
// the stream does not block this read, and a timeout leaves the connection usable.
func tlsClosed(tc *tls.Conn) bool {
	if err := tc.SetReadDeadline(time.Now().Add(tlsProbeWait)); err != nil {
		return true
	}
	var b [512]byte
	_, err := tc.Read(b[:])
	var ne net.Error
	if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		_ = tc.SetReadDeadline(time.Time{})
		return false
	}
	return true // io.EOF after close_notify, or the connection failed
}
