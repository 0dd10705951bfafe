package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http/httputil"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/heraldhq/herald/bench/internal/payload"
)

// group holds the counters all subscribers of one run share.
type group struct {
	total      atomic.Int64 // measured deliveries
	warmSubs   atomic.Int64 // subscribers that have seen a warm-up event
	warmEvents atomic.Int64 // warm-up deliveries
}

// sub is one raw HTTP/1.1 subscriber: a TCP connection, a hand-written request, and a reader
// that de-chunks, keeps only data lines and parses the sequence number and timestamp.
type sub struct {
	conn *net.TCPConn
	g    *group
	done chan struct{}

	warm atomic.Bool
	last atomic.Int64 // Unix ns of the latest measured delivery

	// Owned by the reader goroutine; read only after done is closed.
	lat     []int32 // latency of each measured delivery, microseconds
	next    int64   // next sequence number expected
	unique  int64   // deliveries with seq >= next (in order, possibly skipping)
	dups    int64   // deliveries with seq < next
	skipped int64   // sequence numbers jumped over
	err     error
}

// dial opens n subscribers to addr+path, at most 64 connects at a time. With read false
// they never read, and their receive buffer is shrunk to rcvbuf bytes before connecting, so
// the hub's writes to them block soon.
func dial(ctx context.Context, g *group, addr, path string, n int, read bool, rcvbuf, latCap int) ([]*sub, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	if !read {
		d.Control = func(_, _ string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
			})
			if err != nil {
				return err
			}
			return serr
		}
	}
	req := []byte(fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n", path, addr))
	subs := make([]*sub, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	for i := range subs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := d.DialContext(ctx, "tcp", addr)
			if err != nil {
				errs <- fmt.Errorf("subscriber %d: connect to %s: %w", i, addr, err)
				return
			}
			tc := c.(*net.TCPConn)
			if _, err := tc.Write(req); err != nil {
				tc.Close()
				errs <- fmt.Errorf("subscriber %d: send request: %w", i, err)
				return
			}
			s := &sub{conn: tc, g: g, done: make(chan struct{}), lat: make([]int32, 0, latCap)}
			subs[i] = s
			if read {
				go s.read()
			} else {
				close(s.done)
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		closeAll(subs)
		return nil, err
	}
	return subs, nil
}

// closeAll resets every connection (no TIME_WAIT left behind) and waits for the readers.
func closeAll(subs []*sub) {
	for _, s := range subs {
		if s != nil {
			_ = s.conn.SetLinger(0)
			s.conn.Close()
		}
	}
	for _, s := range subs {
		if s != nil {
			<-s.done
		}
	}
}

var (
	dataPrefix = []byte("data:")
	warmMark   = []byte(`"warm"`)
)

// read consumes the response until the connection ends.
func (s *sub) read() {
	defer close(s.done)
	br := bufio.NewReaderSize(s.conn, 4096)
	line, err := br.ReadSlice('\n')
	if err != nil {
		s.err = fmt.Errorf("read status line: %w", err)
		return
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200")) && !bytes.HasPrefix(line, []byte("HTTP/1.0 200")) {
		s.err = fmt.Errorf("hub answered %q, want 200", bytes.TrimSpace(line))
		return
	}
	chunked := false
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			s.err = fmt.Errorf("read headers: %w", err)
			return
		}
		h := bytes.ToLower(bytes.TrimSpace(line))
		if len(h) == 0 {
			break
		}
		if bytes.HasPrefix(h, []byte("transfer-encoding:")) && bytes.Contains(h, []byte("chunked")) {
			chunked = true
		}
	}
	lr := br
	if chunked {
		lr = bufio.NewReaderSize(httputil.NewChunkedReader(br), 4096)
	}
	for {
		line, err = lr.ReadSlice('\n')
		for err == bufio.ErrBufferFull { // a line longer than the buffer: not ours, skip it
			_, err = lr.ReadSlice('\n')
			line = nil
		}
		if err != nil {
			s.err = err
			return
		}
		if !bytes.HasPrefix(line, dataPrefix) {
			continue
		}
		d := line[len(dataPrefix):]
		seq, ns, ok := payload.Parse(d)
		if !ok {
			if bytes.Contains(d, warmMark) {
				s.g.warmEvents.Add(1)
				if !s.warm.Swap(true) {
					s.g.warmSubs.Add(1)
				}
			}
			continue
		}
		now := time.Now().UnixNano()
		s.lat = append(s.lat, int32((now-ns)/1000))
		switch {
		case seq < s.next:
			s.dups++
		default:
			s.skipped += seq - s.next
			s.unique++
			s.next = seq + 1
		}
		s.last.Store(now)
		s.g.total.Add(1)
	}
}
