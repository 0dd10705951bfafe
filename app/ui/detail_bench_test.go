package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
)

// bigEvent returns a JSON event of about size bytes shaped like a real large payload: an
// array of objects with nested fields and a long text, as CI reports and metric dumps are.
func bigEvent(size int) model.Event {
	var b strings.Builder
	b.WriteString(`{"title":"Nightly report","items":[`)
	for i := 0; b.Len() < size-200; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"test-case-%d","ok":%v,"ms":%d,"tags":["unit","fast"],"log":"%s"}`,
			i, i, i%7 != 0, i*13%997, strings.Repeat("x", i%90))
	}
	b.WriteString(`]}`)
	return model.Event{Time: time.Unix(1700000000, 0), Feed: "CI", Type: "report", ID: "42", Data: b.String()}
}

// BenchmarkShowEvent opens the detail dialog of a large event and lays it out, building
// every object the first frame draws (layout), at 1 KB, 15 KB, 62 KB and the hub's largest
// event (64 KiB of data, server.DefaultMaxEventBytes); paint also draws the window with the
// test driver's software painter (BenchmarkCaptureOnly is that painter's floor without the
// dialog). Before the list view, layout of the 15 KB event alone took about 14.7 s here.
func BenchmarkShowEvent(b *testing.B) {
	for _, paint := range []bool{false, true} {
		for _, size := range []int{1 << 10, 15 << 10, 62 << 10, 64 << 10} {
			ev := bigEvent(size)
			name := fmt.Sprintf("layout/%dKB", size>>10)
			if paint {
				name = fmt.Sprintf("paint/%dKB", size>>10)
			}
			b.Run(name, func(b *testing.B) {
				test.NewTempApp(b)
				w := test.NewTempWindow(b, widget.NewLabel(""))
				w.Resize(fyne.NewSize(1000, 700))
				l := NewEventLog(model.NewLog(10), w, model.Filter{})
				w.SetContent(l.Object())
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					l.ShowEvent(ev)
					top := w.Canvas().Overlays().Top()
					test.LaidOutObjects(top)
					if paint {
						w.Canvas().Capture()
					}
					w.Canvas().Overlays().Remove(top)
				}
			})
		}
	}
}

// BenchmarkCaptureOnly is the floor under BenchmarkShowEvent: painting the window with the
// empty log and no dialog on the test driver's software painter.
func BenchmarkCaptureOnly(b *testing.B) {
	test.NewTempApp(b)
	w := test.NewTempWindow(b, widget.NewLabel(""))
	w.Resize(fyne.NewSize(1000, 700))
	l := NewEventLog(model.NewLog(10), w, model.Filter{})
	w.SetContent(l.Object())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Canvas().Capture()
	}
}
