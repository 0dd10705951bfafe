// Package server is Herald's SSE hub: an http.Handler serving /events, /publish, /healthz,
// /stats, /metrics and the dashboard, plus a Go API (Publish, Stats, Shutdown) that the
// desktop app embeds and `herald serve` runs.
//
// Every published event goes through a Broker (memory here, Redis Streams in
// server/redisbroker), which assigns its id in one global order. One reader loop per hub
// appends each stored event, encoded to its SSE bytes once, to a ring buffer that is both
// the replay history and the fan-out buffer: every subscriber is a cursor into it.
package server
