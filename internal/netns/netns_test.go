package netns

import (
	"net"
	"testing"
)

// Inside Isolate the test sees one interface, a loopback up with multicast on.
func TestIsolate(t *testing.T) {
	if !Isolate(t) {
		return
	}
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	if len(ifs) != 1 || ifs[0].Flags&net.FlagLoopback == 0 || ifs[0].Flags&net.FlagMulticast == 0 {
		t.Fatalf("interfaces inside the namespace: %+v", ifs)
	}
}

func TestRunPattern(t *testing.T) {
	for in, want := range map[string]string{
		"TestA":          "^TestA$",
		"TestA/sub_case": "^TestA$/^sub_case$",
		"TestA/x.y(1)":   `^TestA$/^x\.y\(1\)$`,
	} {
		if got := RunPattern(in); got != want {
			t.Errorf("RunPattern(%q) = %q, want %q", in, got, want)
		}
	}
}
