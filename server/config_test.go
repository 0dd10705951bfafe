package server

import (
	"errors"
	"strings"
	"testing"
)

// TestConfigErrors: an impossible Config is a *ConfigError naming the Go field (never a
// command's flag), and errors.Is(err, ErrBadConfig).
func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		field string
	}{
		{"negative history", Config{History: -1}, "History"},
		{"negative per-IP limit", Config{Limits: Limits{MaxPerIP: -2}}, "Limits.MaxPerIP"},
		{"negative write timeout", Config{Limits: Limits{WriteTimeout: -1}}, "Limits.WriteTimeout"},
		{"history smaller than two events", Config{HistoryBytes: 1000}, "HistoryBytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := New(tc.cfg)
			if err == nil {
				h.Shutdown(t.Context())
				t.Fatal("New accepted it")
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, ErrBadConfig) {
				t.Fatalf("err = %v (%T), want a ConfigError for %s matching ErrBadConfig", err, err, tc.field)
			}
			if strings.Contains(err.Error(), "--") {
				t.Errorf("err %q names a flag", err)
			}
		})
	}
}
