package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// sidebar switches the window's panels from a column of buttons. It replaces Fyne's
// AppTabs because in Fyne 2.7 the tab buttons take no keyboard focus, so Tab never reached
// the panels' names; a button does (Tab to it, Space to choose), and Ctrl+1…5 still work.
// It keeps AppTabs' small API (Items, Select, SelectIndex, Selected, OnSelected), so the
// rest of the app did not change.
type sidebar struct {
	// Items are the panels, in the order of their buttons.
	Items []*container.TabItem
	// OnSelected is told each time the user or the app picks another panel.
	OnSelected func(*container.TabItem)

	selected int
	buttons  []*widget.Button
	root     fyne.CanvasObject
}

func newSidebar(items ...*container.TabItem) *sidebar {
	s := &sidebar{Items: items}
	col := container.NewVBox()
	stack := container.NewStack()
	for i, it := range items {
		b := widget.NewButtonWithIcon(it.Text, it.Icon, func() { s.SelectIndex(i) })
		b.Alignment = widget.ButtonAlignLeading
		s.buttons = append(s.buttons, b)
		col.Add(b)
		stack.Add(it.Content)
	}
	s.root = container.NewBorder(nil, nil, container.NewHBox(col, widget.NewSeparator()), nil, stack)
	s.show()
	return s
}

// Object is the sidebar with the selected panel beside it.
func (s *sidebar) Object() fyne.CanvasObject { return s.root }

// Selected is the panel on show.
func (s *sidebar) Selected() *container.TabItem { return s.Items[s.selected] }

// Select shows t (one of Items).
func (s *sidebar) Select(t *container.TabItem) {
	for i, it := range s.Items {
		if it == t {
			s.SelectIndex(i)
		}
	}
}

// SelectIndex shows the i-th panel and tells OnSelected when that is a change.
func (s *sidebar) SelectIndex(i int) {
	if i < 0 || i >= len(s.Items) || i == s.selected {
		return
	}
	s.selected = i
	s.show()
	if s.OnSelected != nil {
		s.OnSelected(s.Items[i])
	}
}

// show hides every panel but the selected one and marks its button.
func (s *sidebar) show() {
	for i, it := range s.Items {
		if i == s.selected {
			s.buttons[i].Importance = widget.HighImportance
			it.Content.Show()
		} else {
			s.buttons[i].Importance = widget.LowImportance
			it.Content.Hide()
		}
		s.buttons[i].Refresh()
	}
}
