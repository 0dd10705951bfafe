package guard

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/heraldhq/herald/server/wire"
)

// statsPath is the hub's JSON stats endpoint; the guard adds its own numbers to it under
// "guard", so the hub need not know about the guard.
const statsPath = wire.PathStats

// mergeStats serves GET /stats through next and adds "guard": g.Stats() to the JSON object it
// answers. Any other answer (an error, a non-object) is passed on unchanged.
func (g *Guard) mergeStats(w http.ResponseWriter, r *http.Request, next http.Handler) {
	rec := &bufferedWriter{header: http.Header{}, status: http.StatusOK}
	next.ServeHTTP(rec, r)
	body := rec.body.Bytes()
	if rec.status == http.StatusOK && strings.HasPrefix(rec.header.Get("Content-Type"), "application/json") {
		var obj map[string]json.RawMessage
		if json.Unmarshal(body, &obj) == nil && obj != nil {
			if gs, err := json.Marshal(g.Stats()); err == nil {
				obj["guard"] = gs
				if merged, err := json.Marshal(obj); err == nil {
					body = append(merged, '\n')
				}
			}
		}
	}
	h := w.Header()
	for k, v := range rec.header {
		h[k] = v
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// bufferedWriter holds a small response (the stats JSON) so it can be amended.
type bufferedWriter struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(status int) {
	if !b.wrote {
		b.status, b.wrote = status, true
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.wrote = true
	return b.body.Write(p)
}
