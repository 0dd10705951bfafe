package backend

import (
	"errors"
	"strings"
	"testing"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/server/redisbroker"
)

// A hub setting the library refuses comes back in the app's words (its settings field, no
// command-line flag) and still matches the library's error.
func TestHubSettingErrors(t *testing.T) {
	tests := []struct {
		name string
		s    model.HubSettings
		is   error
		want string
	}{
		{"Redis URL with a bad port", model.HubSettings{Enabled: true, RedisURL: "rediss://h:notaport/0"}, redisbroker.ErrBadURL, "correct the Redis field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := &Hub{Key: testKey, Logger: quiet()}
			defer h.Stop()
			err := h.ApplyHub(tc.s)
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "--") {
				t.Fatalf("ApplyHub: %v; want an error matching %v that says %q and names no flag", err, tc.is, tc.want)
			}
			if st := h.HubStatus(); st.Running {
				t.Errorf("hub running after a refused setting: %+v", st)
			}
		})
	}
}
