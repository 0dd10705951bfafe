package discovery

import (
	"errors"
	"net"
	"strings"

	"github.com/miekg/dns"
)

// The responder half of an Advertiser: answering queries and noticing rivals for its name.

// readLoop answers queries and watches for others claiming our name.
func (a *Advertiser) readLoop() {
	defer a.wg.Done()
	buf := make([]byte, 9000)
	for {
		p, err := a.c.read(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				a.log.Warn("reading mDNS failed", "err", err)
			}
			return
		}
		a.handle(p)
	}
}

func (a *Advertiser) handle(p packet) {
	a.mu.Lock()
	label, announced := a.label, a.announced
	a.mu.Unlock()
	inst := instanceName(label)
	m := p.msg
	if m.Response {
		for _, rr := range append(append(m.Answer[:len(m.Answer):len(m.Answer)], m.Ns...), m.Extra...) {
			if rr.Header().Ttl > 0 && sameName(rr.Header().Name, inst) && a.differs(label, rr) {
				a.signalConflict()
				return
			}
		}
		return
	}
	if !announced {
		// Simultaneous probes for one name: the lexicographically later data wins (8.2).
		for _, q := range m.Question {
			if !sameName(q.Name, inst) {
				continue
			}
			for _, rr := range m.Ns {
				if srv, ok := rr.(*dns.SRV); ok && sameName(srv.Hdr.Name, inst) && a.differs(label, srv) && a.losesTo(srv) {
					a.signalConflict()
					return
				}
			}
		}
		return
	}
	a.answer(label, p)
}

// differs says whether rr (named like our instance) carries other data than ours.
func (a *Advertiser) differs(label string, rr dns.RR) bool {
	switch r := rr.(type) {
	case *dns.SRV:
		return r.Port != uint16(a.svc.Port) || !sameName(r.Target, a.host)
	case *dns.TXT:
		mine := a.txt(label, ttl, false).Txt
		if len(mine) != len(r.Txt) {
			return true
		}
		for i := range mine {
			if unescape(mine[i]) != unescape(r.Txt[i]) {
				return true
			}
		}
	}
	return false
}

// losesTo compares our SRV data with a rival probe's: port first, then target.
func (a *Advertiser) losesTo(theirs *dns.SRV) bool {
	if theirs.Port != uint16(a.svc.Port) {
		return uint16(a.svc.Port) < theirs.Port
	}
	return strings.ToLower(a.host) < strings.ToLower(theirs.Target)
}

func (a *Advertiser) signalConflict() {
	select {
	case a.conflict <- struct{}{}:
	default:
	}
}

// answer replies to the questions we hold records for, leaving out what the asker
// already knows (known-answer suppression, 7.1).
func (a *Advertiser) answer(label string, p packet) {
	m := p.msg
	var ifc *net.Interface
	if i, ok := a.c.ifaceByIndex(p.ifIndex); ok {
		ifc = &i
	}
	inst := instanceName(label)
	var ans, extra []dns.RR
	for _, q := range m.Question {
		any := q.Qtype == dns.TypeANY
		switch {
		case sameName(q.Name, serviceName) && (any || q.Qtype == dns.TypePTR):
			ans = append(ans, a.ptr(label, ttl))
			extra = append(append(extra, a.srv(label, ttl, true), a.txt(label, ttl, true)), a.addrs(ifc, ttl, true)...)
		case sameName(q.Name, metaQuery) && (any || q.Qtype == dns.TypePTR):
			ans = append(ans, &dns.PTR{Hdr: hdr(metaQuery, dns.TypePTR, ttl, false), Ptr: serviceName})
		case sameName(q.Name, inst):
			if any || q.Qtype == dns.TypeSRV {
				ans = append(ans, a.srv(label, ttl, true))
			}
			if any || q.Qtype == dns.TypeTXT {
				ans = append(ans, a.txt(label, ttl, true))
			}
			extra = append(extra, a.addrs(ifc, ttl, true)...)
		case sameName(q.Name, a.host) && (any || q.Qtype == dns.TypeA):
			ans = append(ans, a.addrs(ifc, ttl, true)...)
		}
	}
	ans = suppressKnown(ans, m.Answer)
	if len(ans) == 0 {
		return
	}
	r := response()
	r.Answer, r.Extra = ans, extra
	if p.from != nil && p.from.Port != 5353 {
		// A legacy resolver (dig, a one-shot query): answer it directly, as plain DNS.
		r.Id, r.Question = m.Id, m.Question
		for _, rr := range append(r.Answer[:len(r.Answer):len(r.Answer)], r.Extra...) {
			rr.Header().Ttl = min(rr.Header().Ttl, 10)
			rr.Header().Class &^= cacheFlush
		}
		_ = a.c.sendTo(r, p.from)
		return
	}
	_ = a.c.send(func(i net.Interface) *dns.Msg {
		if ifc != nil && i.Index != ifc.Index {
			return nil
		}
		return r
	})
}

// suppressKnown drops from ans the records listed in known with at least half their TTL left.
func suppressKnown(ans, known []dns.RR) []dns.RR {
	out := ans[:0]
	for _, rr := range ans {
		skip := false
		for _, k := range known {
			if k.Header().Ttl >= rr.Header().Ttl/2 && sameRecord(rr, k) {
				skip = true
				break
			}
		}
		if !skip {
			out = append(out, rr)
		}
	}
	return out
}

// sameRecord compares name, type and data (not TTL or class bits).
func sameRecord(a, b dns.RR) bool {
	if a.Header().Rrtype != b.Header().Rrtype || !sameName(a.Header().Name, b.Header().Name) {
		return false
	}
	switch x := a.(type) {
	case *dns.PTR:
		return sameName(x.Ptr, b.(*dns.PTR).Ptr)
	}
	ca, cb := dns.Copy(a), dns.Copy(b)
	ca.Header().Ttl, cb.Header().Ttl = 0, 0
	ca.Header().Class, cb.Header().Class = dns.ClassINET, dns.ClassINET
	return dns.IsDuplicate(ca, cb)
}
