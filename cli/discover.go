package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"text/tabwriter"
	"time"

	"github.com/heraldhq/herald/discovery"
)

func init() {
	register("discover", "list the Herald hubs on the local network (mDNS / DNS-SD)", runDiscover)
}

const discoverUsage = `Usage: herald discover [--json] [--timeout 3s]

Asks the local network for Herald hubs (DNS-SD service _herald._tcp over multicast DNS) and
lists those that answer within the timeout: name, URL, version and whether subscribing needs a
token. Exits 0 when the network could be asked, hubs found or not; 1 when it could not.

Flags:
`

func runDiscover(env *Env, args []string) int {
	fs := flag.NewFlagSet("herald discover", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprint(env.Stderr, discoverUsage); fs.PrintDefaults() }
	asJSON := fs.Bool("json", false, "print the hubs as a JSON array")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to listen for answers")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "herald discover: unexpected argument %q (flags only; see herald discover -h)\n", fs.Arg(0))
		return 2
	}
	if *timeout <= 0 {
		fmt.Fprintf(env.Stderr, "herald discover: --timeout %v: give a positive duration such as 3s\n", *timeout)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	hubs, err := discovery.Lookup(ctx, *timeout, discovery.Options{Logger: log})
	if err != nil {
		if errors.Is(err, discovery.ErrNoInterface) {
			fmt.Fprintln(env.Stderr, "herald discover: no network interface is up with multicast and an IPv4 address: connect to a network first")
		} else {
			fmt.Fprintln(env.Stderr, "herald discover:", err)
		}
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(hubs); err != nil {
			fmt.Fprintln(env.Stderr, "herald discover:", err)
			return 1
		}
		return 0
	}
	printHubs(env.Stdout, hubs, *timeout)
	return 0
}

// printHubs writes the hubs as a table, or says that none answered.
func printHubs(w io.Writer, hubs []discovery.Hub, waited time.Duration) {
	if len(hubs) == 0 {
		fmt.Fprintf(w, "no hubs found (listened %v; hubs advertise while they are shared on the LAN)\n", waited)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tURL\tVERSION\tTOKEN")
	for _, h := range hubs {
		tok := "no"
		if h.TokenRequired {
			tok = "needed"
		}
		v := h.Version
		if v == "" {
			v = "?"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", h.Name, h.URL, v, tok)
	}
	tw.Flush()
}
