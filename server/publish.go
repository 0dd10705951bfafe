package server

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"time"

	"github.com/heraldhq/herald/server/refuse"
)

// servePublish is POST /publish: decode, authorize, publish, answer the receipts.
func (h *Hub) servePublish(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodPost) {
		return
	}
	lim := h.limits()
	// A body over the limit is answered 413 and then drained (bounded), so a client that
	// sends its whole body before reading gets the 413 instead of a reset.
	if r.ContentLength > lim.MaxBodyBytes {
		refuse.Linger(w, r, r.Body, false, func(w http.ResponseWriter) {
			writeError(w, errorf(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is %d bytes; the limit is %d (send fewer events per request)", r.ContentLength, lim.MaxBodyBytes)), 0)
		})
		return
	}
	// The whole request must arrive within the read timeout: a slow body cannot hold a
	// handler forever. (Not set server-wide: it would also end idle event streams.)
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(lim.ReadTimeout))
	raw := r.Body
	body, err := io.ReadAll(http.MaxBytesReader(w, raw, lim.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			refuse.Linger(w, r, raw, true, func(w http.ResponseWriter) {
				writeError(w, errorf(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than the limit of %d bytes (send fewer events per request)", lim.MaxBodyBytes)), 0)
			})
			return
		}
		writeError(w, errorf(http.StatusBadRequest, "reading the body failed: "+err.Error()), 0)
		return
	}
	msgs, batch, err := DecodePublish(r.Header.Get("Content-Type"), r.URL.Query(), body, lim)
	if err != nil {
		writeError(w, err, http.StatusBadRequest)
		return
	}
	channels := make([]string, 0, len(msgs))
	for _, m := range msgs {
		channels = append(channels, m.Channel)
	}
	if err := h.auth.AuthorizePublish(r, channels); err != nil {
		h.stats.rejected.Add(1)
		writeAuthError(w, r, err)
		return
	}
	receipts, err := h.publish(r.Context(), msgs)
	if err != nil {
		writeError(w, err, http.StatusServiceUnavailable)
		return
	}
	if batch {
		writeJSON(w, http.StatusOK, receipts)
		return
	}
	writeJSON(w, http.StatusOK, receipts[0])
}

// dashboard serves the browser dashboard; unknown paths are 404 in JSON.
func (h *Hub) dashboard() http.Handler {
	files := http.FileServerFS(h.cfg.Web)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowMethods(w, r, http.MethodGet, http.MethodHead) {
			return
		}
		name := r.URL.Path[1:]
		if name == "" {
			name = "index.html"
		}
		if _, err := fs.Stat(h.cfg.Web, name); err != nil {
			writeError(w, errorf(http.StatusNotFound, fmt.Sprintf("%s not found; the hub serves /events, /publish, /healthz, /stats, /metrics and the dashboard at /", r.URL.Path)), 0)
			return
		}
		files.ServeHTTP(w, r)
	})
}
