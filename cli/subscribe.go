package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/heraldhq/herald/sseclient"
)

func init() {
	register("subscribe", "print the events of an SSE stream as they arrive (reconnecting)", runSubscribe)
}

// headerFlags is the repeatable -H/--header flag: "Name: value" request headers.
type headerFlags struct{ h http.Header }

func (f *headerFlags) String() string { return "" }

func (f *headerFlags) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") || strings.ContainsAny(value, "\r\n\x00") {
		return fmt.Errorf("%q is not a header; write it as 'Name: value'", v)
	}
	if f.h == nil {
		f.h = http.Header{}
	}
	f.h.Add(name, strings.TrimSpace(value))
	return nil
}

// subscribeOptions is a parsed `herald subscribe` command line.
type subscribeOptions struct {
	url         string
	json        bool
	comments    bool
	header      headerFlags
	token       string
	lastEventID string
	max         int
	timeout     time.Duration
	maxLine     sizeFlag
	maxEvent    sizeFlag
	method      string
	data        string
	dataFile    string
}

const subscribeUsage = `Usage: herald subscribe [--json] [--comments] [-H 'Name: value']... [--token T] [--last-event-id ID] [--max N] [--timeout D]
       [--max-line SIZE] [--max-event SIZE] [-X METHOD] [-d DATA | --data-file FILE] URL

Prints the events of the Server-Sent Events stream at URL as they arrive, and reconnects by
itself (sending Last-Event-ID, honouring the server's retry, backing off while it is away).
Plain output is itself an event stream (event:, id:, data: lines and a blank line per event);
--json prints one JSON object per event and line: {"event": ..., "data": ..., "id": ...}.
-d/--data-file send a request body (a POST unless -X says otherwise), again on every
reconnect, as APIs that stream an answer to a POST want. --max counts the stream's own
events, not the hub's control events (herald.connected, herald.gap, ...), which are printed
all the same. Connection states and errors go to stderr.

Exit status: 0 after --max events, --timeout, SIGINT/SIGTERM or an HTTP 204 from the server;
1 when the subscription failed for good (such as 404, 401, not an event stream); 2 on bad usage.

Flags:
`

// errFlagPrinted is a flag parsing error that the flag package already reported.
type errFlagPrinted struct{ error }

func (e errFlagPrinted) Unwrap() error { return e.error }

// parseSubscribe reads the command line; flags may come before or after the URL.
func parseSubscribe(args []string, stderr io.Writer) (*subscribeOptions, error) {
	o := &subscribeOptions{}
	fs := flag.NewFlagSet("herald subscribe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, subscribeUsage)
		fs.PrintDefaults()
	}
	fs.BoolVar(&o.json, "json", false, "print one JSON object per event and line")
	fs.BoolVar(&o.comments, "comments", false, "print the stream's comments (keep-alives) too: ':text' lines, or {\"comment\": ...} with --json")
	fs.Var(&o.header, "H", "request header 'Name: value' (repeatable)")
	fs.Var(&o.header, "header", "request header 'Name: value' (repeatable; same as -H)")
	fs.StringVar(&o.token, "token", "", "bearer token sent as 'Authorization: Bearer T'")
	fs.StringVar(&o.lastEventID, "last-event-id", "", "resume after this event ID (sent as Last-Event-ID)")
	fs.IntVar(&o.max, "max", 0, "exit after N events, not counting the hub's herald.* control events (0: no limit)")
	fs.DurationVar(&o.timeout, "timeout", 0, "exit after this long, e.g. 30s or 5m (0: no limit)")
	fs.Var(&o.maxLine, "max-line", "largest field value (one data: line) in `SIZE`, e.g. 32MiB (default 16MiB)")
	fs.Var(&o.maxEvent, "max-event", "largest event data in `SIZE`, e.g. 256MiB (default 64MiB)")
	for _, name := range []string{"X", "method"} {
		fs.StringVar(&o.method, name, "", "request `METHOD` (default GET, or POST with a body)")
	}
	for _, name := range []string{"d", "data"} {
		fs.StringVar(&o.data, name, "", "request body `DATA`, sent on every (re)connect; set its Content-Type with -H")
	}
	fs.StringVar(&o.dataFile, "data-file", "", "request body read from `FILE` ('-' for stdin)")

	var urls []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			return nil, errFlagPrinted{err} // the flag package has printed it and the usage
		}
		if fs.NArg() == 0 {
			break
		}
		urls = append(urls, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	switch {
	case len(urls) == 0:
		return nil, errors.New("give the stream's URL, e.g. herald subscribe http://127.0.0.1:7878/events?channel=default")
	case len(urls) > 1:
		return nil, fmt.Errorf("give one URL, not %d (%s); quote a URL that holds & or ?", len(urls), strings.Join(urls, " "))
	case o.max < 0:
		return nil, fmt.Errorf("--max must be 0 (no limit) or more, not %d", o.max)
	case o.timeout < 0:
		return nil, fmt.Errorf("--timeout must be 0 (no limit) or more, not %v", o.timeout)
	case o.data != "" && o.dataFile != "":
		return nil, errors.New("give the body once: --data or --data-file, not both")
	case o.method != "" && !validMethod(o.method):
		return nil, fmt.Errorf("%q is not an HTTP method; use one such as GET, POST or REPORT", o.method)
	}
	u, err := url.Parse(urls[0])
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL; write it as http://host:port/path", urls[0])
	}
	o.url = urls[0]
	return o, nil
}

func runSubscribe(env *Env, args []string) int {
	o, err := parseSubscribe(args, env.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		if !errors.As(err, new(errFlagPrinted)) {
			fmt.Fprintf(env.Stderr, "herald subscribe: %v\nRun 'herald subscribe -h' for help.\n", err)
		}
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}

	body, err := o.body(env.Stdin)
	if err != nil {
		fmt.Fprintf(env.Stderr, "herald subscribe: %v\n", err)
		return 2
	}
	c := &sseclient.Client{
		URL:          o.url,
		Method:       strings.ToUpper(o.method),
		Body:         body,
		Header:       o.header.h,
		Token:        o.token,
		LastEventID:  o.lastEventID,
		MaxLineSize:  o.maxLine.n,
		MaxEventSize: o.maxEvent.n,
		OnState: func(s sseclient.State) {
			if s.Phase == sseclient.Closed && s.Err != nil {
				return // reported once below, or a quiet stop by signal/timeout
			}
			fmt.Fprintf(env.Stderr, "herald subscribe: %s\n", s)
		},
	}
	out := newEventWriter(env.Stdout, o.json)
	if o.comments {
		c.OnComment = out.comment
	}
	n := 0
	for e, err := range c.Events(ctx) {
		if err != nil {
			fmt.Fprintln(env.Stderr, "herald subscribe:", err)
			return 1
		}
		if err := out.write(e); err != nil {
			fmt.Fprintln(env.Stderr, "herald subscribe: writing the event:", err)
			return 1
		}
		if strings.HasPrefix(e.Type, "herald.") {
			continue // the hub's own control events do not count towards --max
		}
		if n++; o.max > 0 && n >= o.max {
			break
		}
	}
	return 0
}

// body returns the request body the flags ask for, nil when none.
func (o *subscribeOptions) body(stdin io.Reader) ([]byte, error) {
	switch {
	case o.data != "":
		return []byte(o.data), nil
	case o.dataFile == "-":
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("reading the body from stdin: %w", err)
		}
		return b, nil
	case o.dataFile != "":
		b, err := os.ReadFile(o.dataFile)
		if err != nil {
			return nil, fmt.Errorf("--data-file: %w", err)
		}
		return b, nil
	}
	return nil, nil
}

// validMethod reports whether m is an HTTP token (RFC 9110), as a method must be.
func validMethod(m string) bool {
	for _, r := range m {
		if r > 0x7e || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return m != ""
}

// eventWriter prints events in the plain or the JSON format.
type eventWriter struct {
	w    io.Writer
	json *json.Encoder
	buf  strings.Builder
}

func newEventWriter(w io.Writer, asJSON bool) *eventWriter {
	ew := &eventWriter{w: w}
	if asJSON {
		ew.json = json.NewEncoder(w)
		ew.json.SetEscapeHTML(false) // keep <, > and & readable; it is still valid JSON
	}
	return ew
}

// jsonEvent is the --json line: these keys first, in this order (more may follow one day).
type jsonEvent struct {
	Event string `json:"event"`
	Data  string `json:"data"`
	ID    string `json:"id"`
}

// comment prints a comment line. A failed write shows up at the next event's write.
func (ew *eventWriter) comment(text string) {
	if ew.json != nil {
		_ = ew.json.Encode(struct {
			Comment string `json:"comment"`
		}{text})
		return
	}
	_, _ = io.WriteString(ew.w, ":"+text+"\n")
}

func (ew *eventWriter) write(e sseclient.Event) error {
	if ew.json != nil {
		return ew.json.Encode(jsonEvent{Event: e.Type, Data: e.Data, ID: e.ID})
	}
	// Plain output is a valid event stream again: one field per line, a blank line after.
	b := &ew.buf
	b.Reset()
	fmt.Fprintf(b, "event: %s\n", e.Type)
	if e.ID != "" {
		fmt.Fprintf(b, "id: %s\n", e.ID)
	}
	for line := range strings.SplitSeq(e.Data, "\n") {
		fmt.Fprintf(b, "data: %s\n", line)
	}
	b.WriteByte('\n')
	_, err := io.WriteString(ew.w, b.String())
	return err
}
