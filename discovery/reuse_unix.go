//go:build !windows

package discovery

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// reuseAddr lets several programs (avahi, a second hub, `herald discover`) share port 5353;
// every one of them gets each multicast packet.
func reuseAddr(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
		if serr == nil {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		}
	})
	if err != nil {
		return err
	}
	return serr
}
