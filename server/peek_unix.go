//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package server

import (
	"errors"
	"net"
	"syscall"
)

// canPeek tells whether peekGone works on this platform.
const canPeek = true

// peekGone reports whether the peer of conn has closed or reset its end, by a
// non-blocking MSG_PEEK read on the socket through the runtime's RawConn (the callback
// returns at once, so the call never parks). A stream's client sends nothing after its
// request, so 0 bytes means end of file. Connections that are not plain sockets (TLS)
// report false: only their next write tells.
func peekGone(conn net.Conn) bool {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	var n int
	var perr error
	var b [1]byte
	if err := rc.Read(func(fd uintptr) bool {
		n, _, perr = syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return true
	}); err != nil {
		return errors.Is(err, net.ErrClosed)
	}
	switch {
	case perr == nil:
		return n == 0
	case errors.Is(perr, syscall.EAGAIN), errors.Is(perr, syscall.EWOULDBLOCK), errors.Is(perr, syscall.EINTR):
		return false
	}
	return true // ECONNRESET and the like
}
