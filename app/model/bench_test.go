package model

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkIngest measures what one event costs the app's model: the log, the stock state
// and the notification engine.
func BenchmarkIngest(b *testing.B) {
	l := NewLog(DefaultLogCap)
	s := NewStocks()
	g := &Engine{Rules: DefaultRules(), PriceAlerts: []PriceAlert{{Symbol: "S3", Above: true, Threshold: 1e9}}}
	evs := make([]Event, 64)
	for i := range evs {
		if i%2 == 0 {
			evs[i] = Event{Feed: "hub", Type: "stock-update", Data: fmt.Sprintf(`{"symbol":"S%d","price":%d.25,"change":"0.5","change_percent":"0.1"}`, i%8, 100+i)}
		} else {
			evs[i] = Event{Feed: "hub", Type: "message", Data: fmt.Sprintf(`{"text":"tick %d"}`, i)}
		}
	}
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e := evs[i%len(evs)]
		e.Time = now
		l.Add(e)
		s.Ingest(e)
		g.Process(e, now)
	}
}

// BenchmarkFilter measures one filtered view of a full log (what a refresh costs).
func BenchmarkFilter(b *testing.B) {
	l := NewLog(DefaultLogCap)
	for i := 0; i < DefaultLogCap; i++ {
		l.Add(Event{Feed: fmt.Sprint("feed", i%3), Type: "message", Data: fmt.Sprintf(`{"text":"event number %d"}`, i)})
	}
	for _, f := range []Filter{{}, {Feed: "feed1"}, {Text: "NUMBER 42"}} {
		b.Run(fmt.Sprintf("%+v", f), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				l.View(f, 0)
			}
		})
	}
}
