package discovery

import (
	"context"
	"net"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Query timing: ask at once, then after 1, 2, 4 ... seconds, at most once a minute, which
// refreshes records (TTL 120 s) long before they expire.
const (
	firstRequery = time.Second
	maxRequery   = time.Minute
	tick         = time.Second
)

// Browse follows the Herald hubs on the local network until ctx ends. It calls onChange
// (from its own goroutine) with the whole sorted list each time the list changes: a hub
// announced or answered, said goodbye, or was not heard from within its records' TTL.
// It returns nil when ctx ends, or an error when the network cannot be used at all.
func Browse(ctx context.Context, opts Options, onChange func([]Hub)) error {
	c, err := listen(opts.Interfaces)
	if err != nil {
		return err
	}
	b := newBrowser()
	pkts := make(chan packet, 64)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		buf := make([]byte, 9000)
		for {
			p, err := c.read(buf)
			if err != nil {
				return
			}
			select {
			case pkts <- p:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer func() { c.close(); <-readDone }()

	log := opts.logger()
	query := func() {
		if err := c.send(func(net.Interface) *dns.Msg { return b.query(time.Now()) }); err != nil {
			log.Debug("mDNS query failed", "err", err)
		}
	}
	var last []Hub
	report := func() {
		if hs := b.hubs(time.Now()); !reflect.DeepEqual(hs, last) {
			last = hs
			onChange(hs)
		}
	}
	query()
	every := firstRequery
	next := time.Now().Add(every)
	scanned := time.Now()
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case p := <-pkts:
			if b.add(p, time.Now()) {
				// A hub without its address or TXT yet: ask for what is missing.
				_ = c.send(func(net.Interface) *dns.Msg { return b.resolve(time.Now()) })
			}
			report()
		case now := <-t.C:
			if now.Sub(scanned) >= rescanEvery {
				scanned = now
				if len(c.rescan()) > 0 {
					every, next = firstRequery, now // a new network: ask it at once
				}
			}
			if !now.Before(next) {
				query()
				every = min(every*2, maxRequery)
				next = now.Add(every)
			}
			report()
		}
	}
}

// Lookup browses for wait and returns the hubs found (none is not an error).
func Lookup(ctx context.Context, wait time.Duration, opts Options) ([]Hub, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var found []Hub
	err := Browse(ctx, opts, func(hs []Hub) { found = hs })
	if err != nil {
		return nil, err
	}
	if found == nil {
		found = []Hub{}
	}
	return found, nil
}

// browser is the cache of what responders said, keyed by instance label.
type browser struct {
	inst  map[string]*instance
	hosts map[string]map[string]addrSeen // host name (lower case) -> address -> when
	asked time.Time                      // last resolve query, to send at most one a second
}

type instance struct {
	label          string
	ptrExp, srvExp time.Time
	txtExp         time.Time
	target         string
	port           int
	txt            []string
	from           string
}

type addrSeen struct{ at, exp time.Time }

func newBrowser() *browser {
	return &browser{inst: map[string]*instance{}, hosts: map[string]map[string]addrSeen{}}
}

func (b *browser) get(label string) *instance {
	key := strings.ToLower(label)
	in := b.inst[key]
	if in == nil {
		in = &instance{label: label}
		b.inst[key] = in
	}
	return in
}

func expiry(now time.Time, ttl uint32) time.Time { return now.Add(time.Duration(ttl) * time.Second) }

// add takes in a response's records; it returns true when a listed hub still lacks records
// (so the caller asks for them).
func (b *browser) add(p packet, now time.Time) bool {
	m := p.msg
	if !m.Response {
		return false
	}
	from := ""
	if p.from != nil {
		from = p.from.IP.String()
	}
	rrs := append(m.Answer[:len(m.Answer):len(m.Answer)], m.Extra...)
	flushed := map[string]bool{}
	for _, rr := range rrs {
		h := rr.Header()
		switch r := rr.(type) {
		case *dns.PTR:
			if !sameName(h.Name, serviceName) {
				continue
			}
			label, ok := splitInstance(r.Ptr)
			if !ok {
				continue
			}
			if h.Ttl == 0 { // goodbye
				delete(b.inst, strings.ToLower(label))
				continue
			}
			in := b.get(label)
			in.ptrExp, in.from = expiry(now, h.Ttl), from
		case *dns.SRV:
			label, ok := splitInstance(h.Name)
			if !ok {
				continue
			}
			if h.Ttl == 0 {
				delete(b.inst, strings.ToLower(label))
				continue
			}
			in := b.get(label)
			in.srvExp, in.target, in.port = expiry(now, h.Ttl), strings.ToLower(dns.Fqdn(r.Target)), int(r.Port)
		case *dns.TXT:
			label, ok := splitInstance(h.Name)
			if !ok || h.Ttl == 0 {
				continue
			}
			in := b.get(label)
			in.txtExp, in.txt = expiry(now, h.Ttl), make([]string, len(r.Txt))
			for i, s := range r.Txt {
				in.txt[i] = unescape(s)
			}
		case *dns.A:
			host := strings.ToLower(dns.Fqdn(h.Name))
			set := b.hosts[host]
			if set == nil {
				set = map[string]addrSeen{}
				b.hosts[host] = set
			}
			if h.Class&cacheFlush != 0 && !flushed[host] {
				// These records replace what was heard more than a second ago (10.2).
				flushed[host] = true
				for ip, s := range set {
					if now.Sub(s.at) > time.Second {
						delete(set, ip)
					}
				}
			}
			if h.Ttl == 0 {
				delete(set, r.A.String())
				continue
			}
			set[r.A.String()] = addrSeen{at: now, exp: expiry(now, h.Ttl)}
		}
	}
	for _, in := range b.inst {
		if in.ptrExp.After(now) && (in.target == "" || len(b.addrs(in.target, now)) == 0 || in.txt == nil) {
			return now.Sub(b.asked) >= time.Second
		}
	}
	return false
}

func (b *browser) addrs(host string, now time.Time) []string {
	var out []string
	for ip, s := range b.hosts[host] {
		if s.exp.After(now) {
			out = append(out, ip)
		}
	}
	slices.Sort(out)
	return out
}

// hubs lists the complete, unexpired instances.
func (b *browser) hubs(now time.Time) []Hub {
	out := []Hub{}
	for key, in := range b.inst {
		if !in.ptrExp.After(now) {
			delete(b.inst, key)
			continue
		}
		if !in.srvExp.After(now) || in.target == "" {
			continue
		}
		addrs := b.addrs(in.target, now)
		if len(addrs) == 0 {
			continue
		}
		h := Hub{Instance: in.label, Host: strings.TrimSuffix(unescape(in.target), "."), Port: in.port, Addrs: addrs}
		var scheme string
		if in.txtExp.After(now) {
			scheme = parseTXT(&h, in.txt)
		}
		if h.Name == "" {
			h.Name = in.label
		}
		h.URL = hubURL(scheme, addrs, in.from, in.port)
		out = append(out, h)
	}
	sortHubs(out)
	return out
}

// query asks for every hub, listing those we know well (known-answer suppression, 7.1).
func (b *browser) query(now time.Time) *dns.Msg {
	m := new(dns.Msg)
	m.Question = []dns.Question{{Name: serviceName, Qtype: dns.TypePTR, Qclass: dns.ClassINET}}
	for _, in := range b.inst {
		left := in.ptrExp.Sub(now)
		if left > ttl*time.Second/2 {
			m.Answer = append(m.Answer, &dns.PTR{Hdr: hdr(serviceName, dns.TypePTR, uint32(left/time.Second), false), Ptr: instanceName(in.label)})
		}
	}
	return m
}

// resolve asks for the SRV, TXT and address records of hubs we know only by name.
func (b *browser) resolve(now time.Time) *dns.Msg {
	b.asked = now
	m := new(dns.Msg)
	for _, in := range b.inst {
		if !in.ptrExp.After(now) {
			continue
		}
		if in.target == "" || in.txt == nil {
			m.Question = append(m.Question, dns.Question{Name: instanceName(in.label), Qtype: dns.TypeANY, Qclass: dns.ClassINET})
		} else if len(b.addrs(in.target, now)) == 0 {
			m.Question = append(m.Question, dns.Question{Name: in.target, Qtype: dns.TypeA, Qclass: dns.ClassINET})
		}
	}
	if len(m.Question) == 0 {
		return nil
	}
	return m
}
