// Runs N EventSources of the npm eventsource package against one URL, each from its own
// loopback address (127.B.x.y), as N browsers or Node services behind one proxy would be,
// and prints one JSON line per thing that happens to a client (each also carries "ms", the
// wall-clock time in milliseconds):
//   {"c":3,"t":"open"}  {"c":3,"t":"event","id":"...","data":"..."}
//   {"c":3,"t":"herald.busy"|"herald.shutdown"|"herald.gap","data":"..."}
//   {"c":3,"t":"error","code":503,"msg":"...","closed":true}
// Usage: node clients.mjs URL N [OCTET [ADDRS]]: the clients use ADDRS addresses (default N,
// one each) 127.OCTET.x.y (OCTET default 1), round robin.
// It runs until killed. The eventsource package does the reconnecting exactly as it does
// for its users; only its fetch is given a source address (fetch cannot bind one).
import http from 'node:http';
import { Readable } from 'node:stream';
import { EventSource } from 'eventsource';

const [url, nArg, octet = '1', addrsArg] = process.argv.slice(2);
const n = Number(nArg);
const addrs = Number(addrsArg || nArg);
if (!url || !(n > 0) || n > 60000 || !(addrs > 0)) {
  console.error('usage: node clients.mjs URL N [OCTET [ADDRS]]');
  process.exit(2);
}

const out = (o) => process.stdout.write(JSON.stringify({ ...o, ms: Date.now() }) + '\n');

// fetchFrom returns a fetch that connects from localAddress, enough for EventSource: GET,
// the request headers, abort, and a web ReadableStream body.
function fetchFrom(localAddress) {
  const agent = new http.Agent({ keepAlive: false });
  return (input, init = {}) =>
    new Promise((resolve, reject) => {
      const req = http.request(String(input), {
        method: 'GET', headers: init.headers, localAddress, agent, signal: init.signal,
      }, (res) => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          for (const one of [].concat(v)) headers.append(k, one);
        }
        resolve(new Response(Readable.toWeb(res), { status: res.statusCode, headers }));
      });
      req.on('error', reject);
      req.end();
    });
}

for (let c = 0; c < n; c++) {
  const a = c % addrs;
  const addr = `127.${octet}.${Math.floor(a / 250)}.${(a % 250) + 1}`;
  const es = new EventSource(url, { fetch: fetchFrom(addr) });
  es.addEventListener('open', () => out({ c, t: 'open' }));
  es.addEventListener('message', (e) => out({ c, t: 'event', id: e.lastEventId, data: e.data }));
  for (const t of ['herald.busy', 'herald.shutdown', 'herald.gap']) {
    es.addEventListener(t, (e) => out({ c, t, data: e.data }));
  }
  es.addEventListener('error', (e) =>
    out({ c, t: 'error', code: e.code, msg: e.message, closed: es.readyState === EventSource.CLOSED }));
}
