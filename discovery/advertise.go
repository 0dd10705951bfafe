package discovery

import (
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Options tune an Advertiser or a browse.
type Options struct {
	// Interfaces to use; nil means every interface that is up, carries multicast and has an
	// IPv4 address (a loopback only with multicast on, as in a test's network namespace).
	Interfaces []net.Interface
	// Logger gets renames and send errors (nil: slog.Default()).
	Logger *slog.Logger
}

func (o Options) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.Default()
}

// Timing of probing and announcing (RFC 6762 sections 8.1 and 8.3).
const (
	probeWait     = 250 * time.Millisecond
	probes        = 3
	announceAgain = time.Second
	cacheFlush    = 1 << 15 // the top bit of the class: this record replaces older ones
)

// rescanEvery is how often the interfaces are looked at again (a variable for tests).
var rescanEvery = 30 * time.Second

// Advertiser announces one service on the local network until it is closed.
type Advertiser struct {
	c    *conn
	svc  Service
	host string // SRV target: "herald-<hostname>.local."
	log  *slog.Logger

	mu        sync.Mutex
	label     string // the instance label in use (changes after a conflict)
	announced bool   // probing is over; we answer for label
	conflict  chan struct{}

	done      chan struct{}
	ready     chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// Advertise starts advertising svc: it probes for the instance name (renaming it on a
// conflict), then announces it and answers queries until Close. It returns once the socket
// is open; probing takes about a second more (Ready tells when it is over).
func Advertise(svc Service, opts Options) (*Advertiser, error) {
	svc.Name = instanceLabel(svc.Name)
	if err := svc.Validate(); err != nil {
		return nil, err
	}
	c, err := listen(opts.Interfaces)
	if err != nil {
		return nil, err
	}
	a := &Advertiser{
		c: c, svc: svc, host: hostName(), log: opts.logger(), label: svc.Name,
		conflict: make(chan struct{}, 1), done: make(chan struct{}), ready: make(chan struct{}),
	}
	a.wg.Add(2)
	go a.readLoop()
	go a.run()
	return a, nil
}

// hostName is the SRV target: this machine's name under a herald- prefix, so our address
// records never fight with the ones the OS's own responder (avahi, Bonjour) keeps for the
// plain host name. Every hub on a machine shares it, with the same addresses.
func hostName() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "host"
	}
	h, _, _ = strings.Cut(h, ".")
	return "herald-" + escapeLabel(cut(h, maxLabel-len("herald-"))) + "." + domain
}

// Name returns the instance name advertised now ("Name (2)" after a conflict).
func (a *Advertiser) Name() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.label
}

// Ready is closed once probing is over and the service has been announced.
func (a *Advertiser) Ready() <-chan struct{} { return a.ready }

// Close sends goodbye (the records with TTL 0, so browsers drop the hub at once) and
// closes the socket.
func (a *Advertiser) Close() error {
	var err error
	a.closeOnce.Do(func() {
		close(a.done)
		a.mu.Lock()
		label, announced := a.label, a.announced
		a.announced = false
		a.mu.Unlock()
		if announced {
			err = a.c.send(func(i net.Interface) *dns.Msg { return a.goodbye(label) })
		}
		if cerr := a.c.close(); err == nil {
			err = cerr
		}
		a.wg.Wait()
	})
	return err
}

// run probes, announces, and probes again under a new name after a conflict.
func (a *Advertiser) run() {
	defer a.wg.Done()
	// A random start spreads the probes of hubs that start together (RFC 6762 8.1).
	if !a.sleep(time.Duration(rand.Int64N(int64(probeWait)))) {
		return
	}
	readyOnce := sync.OnceFunc(func() { close(a.ready) })
	defer readyOnce()
	for tries := 0; ; tries++ {
		if tries >= 15 && !a.sleep(5*time.Second) { // rate limit a storm of conflicts (8.1)
			return
		}
		label := a.Name()
		if !a.probe(label) {
			select {
			case <-a.done:
				return
			default:
			}
			next := renamed(label)
			a.log.Info("hub name is taken on the network: advertising under another", "name", label, "now", next)
			a.mu.Lock()
			a.label = next
			a.mu.Unlock()
			continue
		}
		a.mu.Lock()
		a.announced = true
		a.mu.Unlock()
		a.announce(label)
		readyOnce()
		if a.sleep(announceAgain) {
			a.announce(label)
		}
		// Defend the name until another responder claims it with other data; announce on
		// interfaces that come up meanwhile.
		if !a.defend(label) {
			return
		}
		next := renamed(label)
		a.mu.Lock()
		a.announced, a.label = false, next
		a.mu.Unlock()
		_ = a.c.send(func(i net.Interface) *dns.Msg { return a.goodbye(label) })
		a.log.Info("another hub on the network took this name: advertising under another", "name", label, "now", next)
	}
}

// defend waits for a conflict (true) or Close (false), announcing on new interfaces.
func (a *Advertiser) defend(label string) bool {
	rescan := time.NewTicker(rescanEvery)
	defer rescan.Stop()
	for {
		select {
		case <-a.done:
			return false
		case <-a.conflict:
			return true
		case <-rescan.C:
			if added := a.c.rescan(); len(added) > 0 {
				_ = a.c.sendOn(added, func(i net.Interface) *dns.Msg { return a.announcement(label, &i) })
			}
		}
	}
}

// sleep waits d; false when the advertiser was closed meanwhile.
func (a *Advertiser) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-a.done:
		return false
	case <-t.C:
		return true
	}
}

// probe asks three times whether anyone has label; false on a conflict (or close).
func (a *Advertiser) probe(label string) bool {
	select { // forget a conflict signalled for an earlier name
	case <-a.conflict:
	default:
	}
	for range probes {
		_ = a.c.send(func(i net.Interface) *dns.Msg {
			m := new(dns.Msg)
			m.Question = []dns.Question{{Name: instanceName(label), Qtype: dns.TypeANY, Qclass: dns.ClassINET}}
			m.Ns = []dns.RR{a.srv(label, ttl, false), a.txt(label, ttl, false)}
			return m
		})
		select {
		case <-a.done:
			return false
		case <-a.conflict:
			return false
		case <-time.After(probeWait):
		}
	}
	return true
}

// announcement is every record, with the cache-flush bit on the unique ones.
func (a *Advertiser) announcement(label string, i *net.Interface) *dns.Msg {
	m := response()
	m.Answer = append([]dns.RR{a.ptr(label, ttl), a.srv(label, ttl, true), a.txt(label, ttl, true)}, a.addrs(i, ttl, true)...)
	return m
}

// announce multicasts the announcement on every interface.
func (a *Advertiser) announce(label string) {
	if err := a.c.send(func(i net.Interface) *dns.Msg { return a.announcement(label, &i) }); err != nil {
		a.log.Warn("announcing the hub on the network failed", "err", err)
	}
}

// goodbye is the announcement with TTL 0 (RFC 6762 10.1). The host's addresses stay: other
// hubs on this machine may still use them.
func (a *Advertiser) goodbye(label string) *dns.Msg {
	m := response()
	m.Answer = []dns.RR{a.ptr(label, 0), a.srv(label, 0, true), a.txt(label, 0, true)}
	return m
}

func response() *dns.Msg {
	m := new(dns.Msg)
	m.Response, m.Authoritative = true, true
	return m
}

func hdr(name string, typ uint16, ttl uint32, flush bool) dns.RR_Header {
	class := uint16(dns.ClassINET)
	if flush {
		class |= cacheFlush
	}
	return dns.RR_Header{Name: name, Rrtype: typ, Class: class, Ttl: ttl}
}

func (a *Advertiser) ptr(label string, ttl uint32) dns.RR {
	return &dns.PTR{Hdr: hdr(serviceName, dns.TypePTR, ttl, false), Ptr: instanceName(label)}
}

func (a *Advertiser) srv(label string, ttl uint32, flush bool) *dns.SRV {
	return &dns.SRV{Hdr: hdr(instanceName(label), dns.TypeSRV, ttl, flush), Port: uint16(a.svc.Port), Target: a.host}
}

func (a *Advertiser) txt(label string, ttl uint32, flush bool) *dns.TXT {
	s := a.svc
	s.Name = label
	t := s.txt()
	for i := range t {
		t[i] = escapeTXT(t[i])
	}
	return &dns.TXT{Hdr: hdr(instanceName(label), dns.TypeTXT, ttl, flush), Txt: t}
}

// addrs returns A records for the interface's addresses (every interface's when i is nil).
func (a *Advertiser) addrs(i *net.Interface, ttl uint32, flush bool) []dns.RR {
	ifs := a.c.interfaces()
	if i != nil {
		ifs = []net.Interface{*i}
	}
	var out []dns.RR
	for _, ifc := range ifs {
		for _, ip := range ifaceAddrs(ifc) {
			out = append(out, &dns.A{Hdr: hdr(a.host, dns.TypeA, ttl, flush), A: ip})
		}
	}
	return out
}
