// Package sseclient is a client for Server-Sent Events (SSE).
//
// Parser reads an event stream exactly as the WHATWG HTML standard ("Server-sent events",
// interpreting an event stream) says a browser does: CR, LF and CRLF line ends (also split
// across reads), a leading BOM, comments, fields without a colon, one leading space stripped,
// data lines joined with "\n", no dispatch without data, the event type reset after each
// event, ids with NUL ignored, retry only when all digits, an unfinished last event dropped,
// invalid UTF-8 decoded as U+FFFD. Field values and events are capped (16 MiB and 64 MiB by
// default; see WithMaxLineSize), so a hostile stream cannot make it use unbounded memory. It
// reads into one reusable buffer and allocates once per event. Next returns one event at a
// time; All is the same as a range-over-func iterator; WithCommentFunc reports comments.
//
// Client subscribes to a stream and keeps it alive, like a browser's EventSource and beyond:
//
//   - every request sends Accept: text/event-stream and Cache-Control: no-cache (unless the
//     caller set them), the custom headers and bearer token, and Last-Event-ID once the stream has set an id; it is a GET
//     by default, or any method with a body (Method, Body), re-sent the same on every
//     reconnect, or whatever NewRequest builds before each attempt (a fresh token);
//   - after a connection ends it waits the server's `retry:` time (Client.Retry, by default
//     DefaultRetry, until the server sends one; NoRetryDelay for none) and never less; after two or more failures in a row it adds an
//     exponential backoff with jitter, capped by MaxBackoff; a connection that delivered an
//     event or stayed open a few seconds resets the backoff;
//   - 5xx, 408, 429 and network errors are retried (Retry-After is honoured); HTTP 204 ends
//     the subscription quietly; any other status, or a 200 that is not text/event-stream,
//     ends it with an *HTTPError that says why;
//   - a connection that sends no bytes at all for IdleTimeout (not even a keep-alive
//     comment) is replaced;
//   - Restart drops the connection and reconnects at once, keeping Last-Event-ID;
//   - an HTTPClient.Timeout bounds the wait for response headers only, never the stream;
//   - OnState reports every change (connecting, open, retrying at T because E, closed), and
//     OnComment every comment line (keep-alives) as it arrives.
//
// Events is a range-over-func iterator; cancelling its context or breaking out of the loop
// stops everything, and no goroutine outlives it.
package sseclient
