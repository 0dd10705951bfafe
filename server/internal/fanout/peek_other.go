//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package fanout

import "net"

// canPeek is false here: a departed client is noticed at its stream's next write.
const canPeek = false

func peekGone(net.Conn) bool { return false }
