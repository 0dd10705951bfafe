package discovery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/miekg/dns"
	"golang.org/x/net/ipv4"
)

var (
	mdnsGroup = net.IPv4(224, 0, 0, 251)
	mdnsAddr  = &net.UDPAddr{IP: mdnsGroup, Port: 5353}
)

// ErrNoInterface is returned when no network interface can carry multicast DNS.
var ErrNoInterface = errors.New("discovery: no network interface is up with multicast and an IPv4 address")

// conn is one UDP socket on port 5353 (shared with every other mDNS program on the machine)
// that has joined the mDNS group on each usable interface.
type conn struct {
	pc    *ipv4.PacketConn
	fixed bool // the caller chose the interfaces: never look for others

	mu  sync.Mutex // the multicast interface and the write that uses it go together; ifs
	ifs []net.Interface
}

// usableInterfaces returns the interfaces that are up, carry multicast and have an IPv4
// address; a loopback counts only when it has multicast on (as in a test's namespace).
func usableInterfaces() []net.Interface {
	all, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []net.Interface
	for _, i := range all {
		if i.Flags&net.FlagUp == 0 || i.Flags&net.FlagMulticast == 0 || i.Flags&net.FlagPointToPoint != 0 {
			continue
		}
		if len(ifaceAddrs(i)) > 0 {
			out = append(out, i)
		}
	}
	return out
}

// ifaceAddrs returns an interface's IPv4 addresses.
func ifaceAddrs(i net.Interface) []net.IP {
	addrs, err := i.Addrs()
	if err != nil {
		return nil
	}
	var out []net.IP
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
			out = append(out, n.IP.To4())
		}
	}
	return out
}

// listen opens the shared mDNS socket on ifs (nil: every usable interface).
func listen(ifs []net.Interface) (*conn, error) {
	fixed := ifs != nil
	if ifs == nil {
		ifs = usableInterfaces()
	}
	if len(ifs) == 0 {
		return nil, ErrNoInterface
	}
	lc := net.ListenConfig{Control: reuseAddr}
	raw, err := lc.ListenPacket(context.Background(), "udp4", "0.0.0.0:5353")
	if err != nil {
		return nil, fmt.Errorf("discovery: cannot open the mDNS port 5353: %w", err)
	}
	c := &conn{pc: ipv4.NewPacketConn(raw), fixed: fixed}
	for _, i := range ifs {
		if err := c.pc.JoinGroup(&i, &net.UDPAddr{IP: mdnsGroup}); err == nil {
			c.ifs = append(c.ifs, i)
		}
	}
	if len(c.ifs) == 0 {
		raw.Close()
		return nil, ErrNoInterface
	}
	_ = c.pc.SetControlMessage(ipv4.FlagInterface, true) // not on every OS; then answers carry every address
	_ = c.pc.SetMulticastTTL(255)                        // RFC 6762 section 11
	_ = c.pc.SetMulticastLoopback(true)                  // other programs on this machine listen too
	return c, nil
}

// close leaves the group and closes the socket.
func (c *conn) close() error { return c.pc.Close() }

// rescan joins the group on interfaces that became usable since (a laptop joining Wi-Fi)
// and forgets those that went away; it returns the newly joined ones.
func (c *conn) rescan() []net.Interface {
	if c.fixed {
		return nil
	}
	now := usableInterfaces()
	c.mu.Lock()
	defer c.mu.Unlock()
	var kept, added []net.Interface
	for _, i := range now {
		known := false
		for _, j := range c.ifs {
			known = known || j.Index == i.Index
		}
		if known {
			kept = append(kept, i)
		} else if c.pc.JoinGroup(&i, &net.UDPAddr{IP: mdnsGroup}) == nil {
			kept, added = append(kept, i), append(added, i)
		}
	}
	c.ifs = kept
	return added
}

// interfaces returns the interfaces joined now.
func (c *conn) interfaces() []net.Interface {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]net.Interface(nil), c.ifs...)
}

// send multicasts the message built for each interface (build returns nil to skip one).
func (c *conn) send(build func(i net.Interface) *dns.Msg) error {
	return c.sendOn(c.interfaces(), build)
}

// sendOn multicasts on the given interfaces only.
func (c *conn) sendOn(ifs []net.Interface, build func(i net.Interface) *dns.Msg) error {
	var errs []error
	for _, i := range ifs {
		m := build(i)
		if m == nil {
			continue
		}
		b, err := m.Pack()
		if err != nil {
			return fmt.Errorf("discovery: packing a message: %w", err)
		}
		c.mu.Lock()
		err = c.pc.SetMulticastInterface(&i)
		if err == nil {
			_, err = c.pc.WriteTo(b, nil, mdnsAddr)
		}
		c.mu.Unlock()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", i.Name, err))
		}
	}
	return errors.Join(errs...)
}

// sendTo sends a message to one address (a legacy unicast answer).
func (c *conn) sendTo(m *dns.Msg, to net.Addr) error {
	b, err := m.Pack()
	if err != nil {
		return err
	}
	_, err = c.pc.WriteTo(b, nil, to)
	return err
}

// packet is one message received, with where it came from.
type packet struct {
	msg     *dns.Msg
	from    *net.UDPAddr
	ifIndex int // 0 when the OS does not say
}

// read returns the next message that parses; it fails only when the socket is closed.
func (c *conn) read(buf []byte) (packet, error) {
	for {
		n, cm, from, err := c.pc.ReadFrom(buf)
		if err != nil {
			return packet{}, err
		}
		m := new(dns.Msg)
		if m.Unpack(buf[:n]) != nil {
			continue // not DNS, or cut: ignore it like every responder does
		}
		p := packet{msg: m}
		p.from, _ = from.(*net.UDPAddr)
		if cm != nil {
			p.ifIndex = cm.IfIndex
		}
		return p, nil
	}
}

// ifaceByIndex returns the joined interface with that index.
func (c *conn) ifaceByIndex(idx int) (net.Interface, bool) {
	for _, i := range c.interfaces() {
		if i.Index == idx {
			return i, true
		}
	}
	return net.Interface{}, false
}
