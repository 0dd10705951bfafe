// Package node assembles one running hub: the access policy, the guard in front of it, the
// broker (memory or Redis), the listener (HTTP or HTTPS), the demo simulators and the
// graceful shutdown. `herald serve` and the desktop app both start their hub with Start, so
// the two cannot drift apart.
package node

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/heraldhq/herald/discovery"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/demo"
	"github.com/heraldhq/herald/server/guard"
	"github.com/heraldhq/herald/server/journal"
	"github.com/heraldhq/herald/server/redisbroker"
)

// Config is what a node is made of. Only Key is required; every other zero field means
// "none" or its default. New parts of a node (a history store, advertising) get a field
// here and a step in Start.
type Config struct {
	// Addr is the address to listen on, host:port; port 0 picks a free port (see Node.Port).
	Addr string
	// Key is the hub's secret: tokens are signed with it. At least auth.MinKeyLen long.
	Key string
	// Hub configures history, keep-alives and limits. Start sets its Key, Auth, Middleware
	// and Logger; its Broker, when set, is used instead of one made from Redis.
	Hub server.Config
	// Access says which channels anyone may read without a token.
	Access auth.Options
	// Guard sets CORS origins and rate limits (guard.DefaultConfig(nil) for the defaults;
	// the zero value limits nothing). Start sets its IsPublic and ValidToken.
	Guard guard.Config
	// Redis, when its URL is set, makes the broker a Redis Stream shared with other nodes.
	Redis redisbroker.Options
	// History, when its Path is set (and Redis is not), makes the broker the durable
	// history of server/journal: events survive restarts and crashes. Its MaxEvents and
	// MaxBytes default to Hub.History and Hub.HistoryBytes, its Fsync policy to
	// journal.FsyncInterval (what `herald serve` and the desktop app use). Unset, history is
	// kept in memory only.
	History journal.Options
	// TLS, when set, serves HTTPS.
	TLS *tls.Config
	// Demo, when set, runs against the hub until the node stops (see Demo).
	Demo func(ctx context.Context, hub *server.Hub)
	// ShutdownTimeout bounds the graceful shutdown that follows the end of Start's ctx
	// (default 10 s).
	ShutdownTimeout time.Duration
	// Logger receives the node's logs; nil means slog.Default().
	Logger *slog.Logger
	// Advertise, when set and the node listens on a non-loopback address, announces the
	// node on the local network by DNS-SD over mDNS (package discovery) with its Name and
	// Version; Start fills in the port, the scheme and whether subscribing needs a token.
	// The node says goodbye when it stops. Failing to advertise is logged, not fatal.
	Advertise *discovery.Service
}

// ErrShortKey is returned by Start for a key shorter than auth.MinKeyLen.
var ErrShortKey = auth.ErrShortKey

// ErrAddrInUse matches (errors.Is) a ListenError whose address another program holds.
var ErrAddrInUse = errors.New("the address is in use by another program")

// ListenError is Start's error when the node cannot listen on its address.
type ListenError struct {
	Addr string
	Err  error
}

func (e *ListenError) Error() string {
	if errors.Is(e.Err, syscall.EADDRINUSE) {
		return fmt.Sprintf("cannot listen on %s: %v", e.Addr, ErrAddrInUse)
	}
	return fmt.Sprintf("cannot listen on %s: %v", e.Addr, e.Err)
}

func (e *ListenError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrAddrInUse) true when the port is taken.
func (e *ListenError) Is(target error) bool {
	return target == ErrAddrInUse && errors.Is(e.Err, syscall.EADDRINUSE)
}

// Node is one running hub with its HTTP server and demo.
type Node struct {
	hub  *server.Hub
	srv  *http.Server
	addr *net.TCPAddr
	tls  bool
	log  *slog.Logger
	wait time.Duration

	adv *discovery.Advertiser // nil when not advertising

	auth     *switchAuth                 // the access rules in force (reload.go)
	guarded  guarded                     // the guard in force in front of the hub
	guardNow atomic.Pointer[guard.Guard] // the same guard, for Guard()
	reloadMu sync.Mutex                  // one Reload at a time

	stopDemo context.CancelFunc
	demoDone chan struct{}
	served   chan struct{} // closed when srv.Serve returned
	serveErr error         // srv.Serve's error (read after served)

	once sync.Once
	done chan struct{} // closed when the node has stopped
	err  error         // why it stopped (read after done)
}

// Start listens on cfg.Addr and serves a hub there until ctx ends (then it shuts down
// gracefully, within cfg.ShutdownTimeout) or Shutdown is called. The returned node is
// already serving.
func Start(ctx context.Context, cfg Config) (*Node, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	if len(cfg.Key) < auth.MinKeyLen {
		return nil, fmt.Errorf("%w (it is %d)", ErrShortKey, len(cfg.Key))
	}
	if err := cfg.Access.Validate(); err != nil {
		return nil, err
	}
	// The access rules and the guard are behind switches, so Reload can change them
	// without a new hub (reload.go).
	n := &Node{
		log: log, tls: cfg.TLS != nil, wait: cfg.ShutdownTimeout,
		served: make(chan struct{}), done: make(chan struct{}), auth: &switchAuth{},
	}
	n.auth.set(cfg.Key, cfg.Access)
	g := guard.New(n.guardConfig(cfg.Guard))
	n.guardNow.Store(g)

	hcfg := cfg.Hub
	hcfg.Key, hcfg.Auth, hcfg.Logger = cfg.Key, n.auth, log
	hcfg.Middleware = func(next http.Handler) http.Handler {
		n.guarded.inner = next
		n.guarded.set(g)
		return &n.guarded
	}
	if hcfg.Broker == nil && cfg.Redis.URL != "" {
		ropts := cfg.Redis
		if ropts.Logger == nil {
			ropts.Logger = log
		}
		b, err := redisbroker.New(ropts)
		if err != nil {
			return nil, err
		}
		hcfg.Broker = b
	}
	if hcfg.Broker == nil && cfg.History.Path != "" {
		jopts := cfg.History
		if jopts.MaxEvents == 0 {
			jopts.MaxEvents = hcfg.History
		}
		if jopts.MaxBytes == 0 {
			jopts.MaxBytes = hcfg.HistoryBytes
		}
		if jopts.Logger == nil {
			jopts.Logger = log
		}
		j, err := journal.Open(jopts)
		if err != nil {
			return nil, err
		}
		hcfg.Broker = j
	}
	closeBroker := func() {
		if hcfg.Broker != nil {
			_ = hcfg.Broker.Close()
		}
	}
	// Listen before the hub starts, so a taken port fails at once and leaves nothing behind.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		closeBroker()
		return nil, &ListenError{Addr: cfg.Addr, Err: err}
	}
	hub, err := server.New(hcfg)
	if err != nil {
		ln.Close()
		closeBroker()
		return nil, err
	}
	n.hub, n.addr, n.srv = hub, ln.Addr().(*net.TCPAddr), server.NewHTTPServer(cfg.Addr, hub)
	if cfg.TLS != nil {
		ln = tls.NewListener(ln, cfg.TLS)
	}
	go func() {
		defer close(n.served)
		n.serveErr = n.srv.Serve(ln)
	}()
	if cfg.Demo != nil {
		dctx, cancel := context.WithCancel(context.Background())
		n.stopDemo, n.demoDone = cancel, make(chan struct{})
		go func() {
			defer close(n.demoDone)
			cfg.Demo(dctx, hub)
		}()
	}
	n.advertise(cfg)
	go n.watch(ctx)
	return n, nil
}

// advertise starts announcing the node when cfg asks for it and it is reachable from the LAN.
func (n *Node) advertise(cfg Config) {
	if cfg.Advertise == nil || n.addr.IP.IsLoopback() {
		return
	}
	svc := *cfg.Advertise
	svc.Port, svc.Scheme = n.addr.Port, "http"
	if n.tls {
		svc.Scheme = "https"
	}
	svc.TokenRequired = cfg.Access.Private || len(cfg.Access.Public) > 0
	opts := discovery.Options{Logger: n.log}
	if !n.addr.IP.IsUnspecified() {
		// Listening on one address: announce only on its interface, with its addresses.
		ifc, err := interfaceOf(n.addr.IP)
		if err != nil {
			n.log.Warn("not advertising the hub on the local network", "err", err)
			return
		}
		opts.Interfaces = []net.Interface{ifc}
	}
	adv, err := discovery.Advertise(svc, opts)
	if err != nil {
		n.log.Warn("not advertising the hub on the local network", "err", err)
		return
	}
	n.adv = adv
	n.log.Info("advertising the hub on the local network", "service", discovery.ServiceType, "name", svc.Name)
}

// interfaceOf returns the interface that has ip.
func interfaceOf(ip net.IP) (net.Interface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return net.Interface{}, err
	}
	for _, i := range ifs {
		addrs, _ := i.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
				return i, nil
			}
		}
	}
	return net.Interface{}, fmt.Errorf("no interface has the address %s", ip)
}

// AdvertisedName returns the name the node is advertised under on the local network ("" when
// it is not); it differs from Config.Advertise.Name after a conflict with another hub.
func (n *Node) AdvertisedName() string {
	if n.adv == nil {
		return ""
	}
	return n.adv.Name()
}

// Demo returns a Config.Demo that runs the demo simulators with opts (reporting the hub's
// connections to the metrics simulator unless opts says otherwise).
func Demo(opts demo.Options) func(ctx context.Context, hub *server.Hub) {
	return func(ctx context.Context, hub *server.Hub) {
		o := opts
		if o.Connections == nil {
			o.Connections = func() int { return hub.Stats().Connections }
		}
		_ = demo.Run(ctx, hub, o)
	}
}

// watch stops the node when ctx ends or its HTTP server fails.
func (n *Node) watch(ctx context.Context) {
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), n.wait)
		defer cancel()
		_ = n.Shutdown(sctx)
	case <-n.served:
		err := n.serveErr
		if errors.Is(err, http.ErrServerClosed) {
			return // Shutdown closed it
		}
		n.log.Error("the hub's HTTP server stopped", "err", err)
		n.stop(context.Background(), fmt.Errorf("the HTTP server stopped: %w", err))
	case <-n.done:
	}
}

// Shutdown stops the node gracefully: the demo stops, subscribers get everything published
// so far and herald.shutdown, requests in flight finish. Streams still open when ctx ends
// are closed at once. It returns when the node has stopped; calling it again waits for the
// same end. Its error says what did not finish in time (the node is stopped all the same).
func (n *Node) Shutdown(ctx context.Context) error {
	n.stop(ctx, nil)
	<-n.done
	return n.err
}

func (n *Node) stop(ctx context.Context, why error) {
	n.once.Do(func() {
		defer close(n.done)
		n.log.Info("shutting down: telling streams, then closing")
		if n.adv != nil {
			_ = n.adv.Close() // goodbye first: browsers drop the hub before it stops answering
		}
		// The listener closes first, at once: a reconnecting client or a proxy finds the
		// port closed and goes to another node (or waits for this one's restart) instead
		// of being refused here while the streams drain.
		srvDone := make(chan error, 1)
		go func() { srvDone <- n.srv.Shutdown(ctx) }()
		if n.stopDemo != nil {
			n.stopDemo()
			<-n.demoDone
		}
		herr := n.hub.Shutdown(ctx) // tells subscribers to leave, then closes their streams
		serr := <-srvDone
		_ = n.srv.Close()
		<-n.served
		if herr != nil {
			n.log.Warn("some streams did not drain in time and were closed", "err", herr)
		}
		if serr != nil {
			n.log.Warn("some requests did not finish in time", "err", serr)
		}
		n.err = why
		if n.err == nil && herr != nil {
			n.err = fmt.Errorf("streams did not drain in time: %w", herr)
		}
		n.log.Info("hub stopped")
	})
}

// Done is closed when the node has stopped: after Shutdown, the end of Start's ctx, or a
// failure of its HTTP server (see Err).
func (n *Node) Done() <-chan struct{} { return n.done }

// Err returns nil while the node runs or after a requested shutdown, and why it stopped
// when its HTTP server failed.
func (n *Node) Err() error {
	select {
	case <-n.done:
		return n.err
	default:
		return nil
	}
}

// Hub returns the node's hub (for in-process publishing and stats).
func (n *Node) Hub() *server.Hub { return n.hub }

// Guard returns the guard in front of the hub (a new one after each Reload).
func (n *Node) Guard() *guard.Guard { return n.guardNow.Load() }

// Addr returns the address the node listens on.
func (n *Node) Addr() *net.TCPAddr { return n.addr }

// Port returns the port the node listens on (the one picked, when Config.Addr had port 0).
func (n *Node) Port() int { return n.addr.Port }

// URLs lists the URLs the node answers on: its bound address, or for a wildcard address
// 127.0.0.1 and every LAN address (https ones when it serves TLS).
func (n *Node) URLs() []string {
	scheme := "http://"
	if n.tls {
		scheme = "https://"
	}
	port := fmt.Sprint(n.addr.Port)
	if !n.addr.IP.IsUnspecified() {
		return []string{scheme + net.JoinHostPort(n.addr.IP.String(), port)}
	}
	urls := []string{scheme + "127.0.0.1:" + port}
	addrs, _ := net.InterfaceAddrs()
	for _, ad := range addrs {
		ipn, ok := ad.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || !ipn.IP.IsGlobalUnicast() {
			continue
		}
		if ipn.IP.To4() == nil && n.addr.IP.To4() != nil && n.addr.IP.Equal(net.IPv4zero) {
			continue // an IPv4 wildcard does not answer on IPv6 addresses
		}
		urls = append(urls, scheme+net.JoinHostPort(ipn.IP.String(), port))
	}
	return urls
}
