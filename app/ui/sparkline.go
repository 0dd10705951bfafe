package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// Sparkline draws recent prices as a line, scaled to its own min and max.
type Sparkline struct {
	widget.BaseWidget
	values []float64
	color  color.Color
}

// NewSparkline returns an empty sparkline.
func NewSparkline() *Sparkline {
	s := &Sparkline{}
	s.ExtendBaseWidget(s)
	return s
}

// Set replaces the values and the line colour and redraws.
func (s *Sparkline) Set(values []float64, c color.Color) {
	s.values = append(s.values[:0], values...)
	s.color = c
	s.Refresh()
}

// CreateRenderer implements fyne.Widget.
func (s *Sparkline) CreateRenderer() fyne.WidgetRenderer {
	return &sparkRenderer{s: s}
}

type sparkRenderer struct {
	s     *Sparkline
	lines []fyne.CanvasObject
	size  fyne.Size
}

func (r *sparkRenderer) Layout(size fyne.Size) {
	r.size = size
	r.place()
}

// place builds one canvas.Line per segment; lines are reused between refreshes.
func (r *sparkRenderer) place() {
	v := r.s.values
	segs := max(len(v)-1, 0)
	for len(r.lines) < segs {
		l := canvas.NewLine(r.s.color)
		l.StrokeWidth = 2
		r.lines = append(r.lines, l)
	}
	r.lines = r.lines[:segs]
	if segs == 0 {
		return
	}
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	span := hi - lo
	w, h := r.size.Width, r.size.Height-2
	pt := func(i int) fyne.Position {
		y := h / 2
		if span > 0 {
			y = h - float32((v[i]-lo)/span)*h
		}
		return fyne.NewPos(w*float32(i)/float32(segs), y+1)
	}
	for i, o := range r.lines {
		l := o.(*canvas.Line)
		l.StrokeColor = r.s.color
		l.Position1, l.Position2 = pt(i), pt(i+1)
		l.Refresh()
	}
}

func (r *sparkRenderer) MinSize() fyne.Size           { return fyne.NewSize(120, 36) }
func (r *sparkRenderer) Objects() []fyne.CanvasObject { return r.lines }
func (r *sparkRenderer) Refresh()                     { r.place() }
func (r *sparkRenderer) Destroy()                     {}
