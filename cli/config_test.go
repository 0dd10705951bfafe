package cli

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// applyEnv sets every flag that has a HERALD_<NAME> variable, for tests that build serve's
// flags by hand (startServe); herald serve itself reads them in serveSource.load.
func applyEnv(fs *flag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		if v, ok := os.LookupEnv(name); ok && err == nil {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %v", name, v, e)
			}
		}
	})
	return err
}

var updateExample = flag.Bool("update-example", false, "rewrite packaging/herald.conf from serve's flags")

// TestExampleConfig: packaging/herald.conf is every serve setting at its default, so it
// cannot drift from the flags; and it loads as a config file that changes nothing.
func TestExampleConfig(t *testing.T) {
	var want bytes.Buffer
	exampleConfig(&want)
	path := filepath.Join("..", "packaging", "herald.conf")
	if *updateExample {
		if err := os.WriteFile(path, want.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("packaging/herald.conf is not what serve's flags make; run: go test ./cli -run TestExampleConfig -update-example")
	}
	// Uncommented, every line is a valid setting at its default.
	var body strings.Builder
	for _, l := range strings.Split(string(got), "\n") {
		if len(l) > 1 && l[0] == '#' && l[1] >= 'a' && l[1] <= 'z' {
			body.WriteString(strings.TrimPrefix(l, "#") + "\n")
		}
	}
	settings, err := parseConfig("herald.conf", strings.NewReader(body.String()))
	if err != nil {
		t.Fatal(err)
	}
	var o serveFlags
	fs := o.flagSet()
	if len(settings) < 40 {
		t.Fatalf("only %d settings in the example", len(settings))
	}
	for _, s := range settings {
		if s.name == "advertise-name" {
			continue // its default is the machine's name
		}
		if f := fs.Lookup(s.name); f == nil || f.DefValue != s.value {
			t.Errorf("example %s = %q; the flag's default is %v", s.name, s.value, f)
		}
	}
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name, text string
		want       []setting
		err        string
	}{
		{"empty", "", nil, ""},
		{"comments and blanks", "# hi\n\n   # indented\n", nil, ""},
		{"name = value", "addr = 127.0.0.1:7878\n", []setting{{"addr", "127.0.0.1:7878", 1}}, ""},
		{"no spaces", "max-batch=10", []setting{{"max-batch", "10", 1}}, ""},
		{"trailing comment", "max-batch = 10   # fewer", []setting{{"max-batch", "10", 1}}, ""},
		{"hash inside a value", "cors-origin = https://a#b", []setting{{"cors-origin", "https://a#b", 1}}, ""},
		{"quoted", `advertise-name = "herald # one"  # the name`, []setting{{"advertise-name", "herald # one", 1}}, ""},
		{"quoted empty", `key-file = ""`, []setting{{"key-file", "", 1}}, ""},
		{"empty value", "public =", []setting{{"public", "", 1}}, ""},
		{"BOM and CRLF", "\uFEFFdemo = true\r\nmax-batch = 5\r\n", []setting{{"demo", "true", 1}, {"max-batch", "5", 2}}, ""},
		{"line numbers", "# one\n\nretry = 5s\n", []setting{{"retry", "5s", 3}}, ""},
		{"no equals", "\ndemo\n", nil, `f.conf:2: "demo" is not a setting; write name = value`},
		{"dashes", "--addr = x", nil, "f.conf:1: write the setting as addr = ..., without the dashes"},
		{"no name", "= 5", nil, "f.conf:1:"},
		{"open quote", `advertise-name = "abc`, nil, "f.conf:1: advertise-name: the value \"abc has no closing quote"},
		{"after quote", `advertise-name = "a" b`, nil, `unexpected "b" after the quoted value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseConfig("f.conf", strings.NewReader(tt.text))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v; want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("got %v; want %v", got, tt.want)
			}
		})
	}
}

// TestConfigPrecedence: command line > HERALD_* > config file > defaults, setting by setting;
// and config errors name the file, the line and the flag.
func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	conf := write("herald.conf", "# test\nmax-batch = 7\nretry = 9s\nmax-per-ip = 3\npublic = news.*\npublic = ops.*\n")
	noDefault := filepath.Join(dir, "absent.conf")
	tests := []struct {
		name        string
		args        []string
		env         map[string]string
		defaultFile string
		check       func(o *serveFlags) string // "" when right
		err         string
	}{
		{"file over defaults", []string{"--config", conf}, nil, noDefault, func(o *serveFlags) string {
			if o.cfg.Limits.MaxBatch != 7 || o.cfg.Retry != 9*time.Second || o.sec.public.String() != "news.*,ops.*" {
				return fmt.Sprintf("max-batch %d retry %v public %v", o.cfg.Limits.MaxBatch, o.cfg.Retry, o.sec.public)
			}
			return ""
		}, ""},
		{"env over file", []string{"--config", conf}, map[string]string{"HERALD_MAX_BATCH": "8", "HERALD_PUBLIC": "env.*"}, noDefault, func(o *serveFlags) string {
			if o.cfg.Limits.MaxBatch != 8 || o.cfg.Retry != 9*time.Second || o.sec.public.String() != "env.*" {
				return fmt.Sprintf("max-batch %d retry %v public %v", o.cfg.Limits.MaxBatch, o.cfg.Retry, o.sec.public)
			}
			return ""
		}, ""},
		{"flag over env and file", []string{"--config", conf, "--max-batch", "9"}, map[string]string{"HERALD_MAX_BATCH": "8"}, noDefault, func(o *serveFlags) string {
			if o.cfg.Limits.MaxBatch != 9 || o.cfg.Limits.MaxPerIP != 3 {
				return fmt.Sprintf("max-batch %d max-per-ip %d", o.cfg.Limits.MaxBatch, o.cfg.Limits.MaxPerIP)
			}
			return ""
		}, ""},
		{"HERALD_CONFIG names the file", nil, map[string]string{"HERALD_CONFIG": conf}, noDefault, func(o *serveFlags) string {
			if o.cfg.Limits.MaxBatch != 7 {
				return fmt.Sprintf("max-batch %d", o.cfg.Limits.MaxBatch)
			}
			return ""
		}, ""},
		{"the default file when it exists", nil, nil, conf, func(o *serveFlags) string {
			if o.cfg.Limits.MaxBatch != 7 || o.configFile != conf {
				return fmt.Sprintf("max-batch %d config %q", o.cfg.Limits.MaxBatch, o.configFile)
			}
			return ""
		}, ""},
		{"--config '' reads none", []string{"--config", ""}, nil, conf, func(o *serveFlags) string {
			if o.cfg.Limits.MaxBatch != 1000 || o.configFile != "" {
				return fmt.Sprintf("max-batch %d config %q", o.cfg.Limits.MaxBatch, o.configFile)
			}
			return ""
		}, ""},
		{"no file, defaults", nil, nil, noDefault, func(o *serveFlags) string {
			if o.cfg.Limits.MaxBatch != 1000 || o.configFile != "" {
				return fmt.Sprintf("max-batch %d config %q", o.cfg.Limits.MaxBatch, o.configFile)
			}
			return ""
		}, ""},
		{"a named file that is missing", []string{"--config", noDefault}, nil, noDefault, nil, "absent.conf does not exist"},
		{"unknown name", []string{"--config", write("typo.conf", "\n\nmax-subscriber = 5\n")}, nil, noDefault, nil,
			`typo.conf:3: unknown setting "max-subscriber" (did you mean max-subscribers?`},
		{"bad value", []string{"--config", write("bad.conf", "max-batch = lots\n")}, nil, noDefault, nil,
			`bad.conf:1: max-batch = "lots": parse error (--max-batch takes a whole number)`},
		{"bad duration", []string{"--config", write("dur.conf", "retry = 5\n")}, nil, noDefault, nil,
			`dur.conf:1: retry = "5": parse error (--retry takes a duration such as 500ms, 30s or 1h)`},
		{"bad value even when overridden", []string{"--config", write("bad2.conf", "max-batch = lots\n"), "--max-batch", "3"}, nil, noDefault, nil,
			`bad2.conf:1: max-batch = "lots"`},
		{"config inside config", []string{"--config", write("loop.conf", "config = x\n")}, nil, noDefault, nil, "loop.conf:1: config cannot be set inside a config file"},
		{"bad env", nil, map[string]string{"HERALD_MAX_BATCH": "x"}, noDefault, nil, `HERALD_MAX_BATCH="x": parse error (--max-batch takes a whole number)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := DefaultConfigFile
			DefaultConfigFile = tt.defaultFile
			defer func() { DefaultConfigFile = old }()
			env := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			ld, err := serveSource{args: tt.args, lookupEnv: env}.load(&bytes.Buffer{})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v; want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg := tt.check(ld.o); msg != "" {
				t.Error(msg)
			}
		})
	}
}
