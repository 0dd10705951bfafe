package wire

import "testing"

func TestEncodeNeverInjectsFields(t *testing.T) {
	tests := []struct{ data, want string }{
		{"", "data: \n"},
		{"one", "data: one\n"},
		{"a\nb", "data: a\ndata: b\n"},
		{"a\r\nb", "data: a\ndata: b\n"},
		{"a\rb", "data: a\ndata: b\n"},
		{"a\n\nb", "data: a\ndata: \ndata: b\n"},
		{"x\nid: 666\nevent: evil", "data: x\ndata: id: 666\ndata: event: evil\n"},
		{"trailing\n", "data: trailing\ndata: \n"},
		{"\r\n", "data: \ndata: \n"},
		{" lead", "data:  lead\n"},
	}
	for _, tt := range tests {
		got := string(AppendEvent(nil, ID{Ms: 5, Seq: 6}, "ev", tt.data, 250))
		want := "id: 5-6\nevent: ev\nretry: 250\n" + tt.want + "\n"
		if got != want {
			t.Errorf("data %q:\n got %q\nwant %q", tt.data, got, want)
		}
		if EncodedSize("ev", tt.data) < len(got) {
			t.Errorf("EncodedSize %d < %d for %q", EncodedSize("ev", tt.data), len(got), tt.data)
		}
	}
}
