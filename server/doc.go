// Package server is Herald's SSE hub: an http.Handler serving /events, /publish, /healthz,
// /stats, /metrics and the dashboard, plus a Go API (Publish, Stats, Shutdown) that the
// desktop app embeds and `herald serve` runs.
//
// Every published event goes through a Broker (memory here, Redis Streams in
// server/redisbroker, a file in server/journal), which assigns its id in one global order.
// One reader loop per hub encodes each stored event to its SSE bytes once (server/wire) and
// appends it to the fan-out (server/internal/fanout): a ring buffer that is both the replay
// history and the fan-out buffer, every subscriber a cursor into it.
//
// The publish path, in order, through two packages:
//
//	server: servePublish -> DecodePublish -> Authorizer.AuthorizePublish -> Hub.publish
//	        -> keyTable.publishOnce -> Broker.Publish -> (Follow's sink) Hub.deliver
//	fanout: Fanout.Append -> ring.append, registry.wake -> group.kickIdle / signal.fire
//	        -> Stream.loop -> Stream.step -> Stream.flush -> ring.read -> hijacked.write
//	        -> net.Conn.Write
package server
