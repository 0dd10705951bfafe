package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/heraldhq/herald/assets"
	"github.com/heraldhq/herald/server/guard"
)

// TestDashboardModules runs the dashboard's pure functions (the feed shapes it accepts, the
// message it sends, how it reads /stats and channel lists, how it classifies and previews
// events) in Chromium, table-driven, against the embedded files served under the strict CSP.
func TestDashboardModules(t *testing.T) {
	files := http.FileServerFS(assets.Web())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", guard.ContentSecurityPolicy)
		if r.URL.Path == "/" {
			// A blank page of the same origin: the modules are imported, not the dashboard.
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte("<!doctype html><title>modules</title><link rel=\"icon\" href=\"favicon.png\">"))
			return
		}
		files.ServeHTTP(w, r)
	}))
	defer srv.Close()

	b := newBrowser(t)
	b.Do(20*time.Second, chromedp.Navigate(srv.URL+"/"))
	ctx, cancel := context.WithTimeout(b.Ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(async () => {
		window.M = {
			...await import('/stocks.js'), ...await import('/send.js'),
			...await import('/channels.js'), ...await import('/log.js'), ...await import('/dom.js'),
		};
	})()`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("import the dashboard's modules: %v\nconsole:\n%s", err, b.Messages())
	}

	cases := []struct {
		name, expr, want string
	}{
		{"quote with numbers", `M.parseQuote({symbol: 'AAPL', price: 189.5, change: -1.25, changePercent: -0.66})`,
			`{"symbol":"AAPL","price":189.5,"change":-1.25,"pct":-0.66}`},
		{"quote with numeric strings and snake case", `M.parseQuote({symbol: 'msft', price: ' 410.20 ', change: '+3.1', change_percent: '0.76%'})`,
			`{"symbol":"MSFT","price":410.2,"change":3.1,"pct":0.76}`},
		{"quote without change", `M.parseQuote({symbol: 'X', price: '1'})`, `{"symbol":"X","price":1,"change":null,"pct":null}`},
		{"quote without symbol", `M.parseQuote({price: 1})`, `null`},
		{"quote with a bad price", `M.parseQuote({symbol: 'X', price: 'n/a'})`, `null`},
		{"stock event types", `['stock-update', 'stock_update', 'stock.update', 'stocks'].map(M.isStockType)`, `[true,true,false,false]`},
		{"numbers", `[M.num(3), M.num('4.5'), M.num(''), M.num(null), M.num('1e3')]`, `[3,4.5,null,null,1000]`},

		{"send text", `M.buildMessage({channel: ' alerts ', type: 'alert', level: 'error', body: 'disk full', isJSON: false})`,
			`{"channel":"alerts","event":"alert","data":{"message":"disk full","level":"error"}}`},
		{"send JSON as is", `M.buildMessage({channel: 'a.b', type: 'deploy', level: 'info', body: '[1, {"x": 2}]', isJSON: true})`,
			`{"channel":"a.b","event":"deploy","data":[1,{"x":2}]}`},
		{"send to a bad channel", `(() => { try { M.buildMessage({channel: 'a b', type: 'm', level: 'info', body: 'x'}) } catch (e) { return e.message.split(':')[0] } })()`, `"Channel"`},
		{"send a reserved type", `(() => { try { M.buildMessage({channel: 'a', type: 'herald.gap', level: 'info', body: 'x'}) } catch (e) { return e.message.includes('reserved') } })()`, `true`},
		{"send bad JSON", `(() => { try { M.buildMessage({channel: 'a', type: 'm', level: 'info', body: '{', isJSON: true}) } catch (e) { return e.message.includes('not valid JSON') } })()`, `true`},
		{"send nothing", `(() => { try { M.buildMessage({channel: 'a', type: 'm', level: 'info', body: '  '}) } catch (e) { return e.message.startsWith('Message') } })()`, `true`},

		{"stats as a map", `M.channelsFromStats({channels: {stocks: 2, '*': 1, alerts: 0}})`,
			`[{"name":"alerts","subscribers":0},{"name":"stocks","subscribers":2}]`},
		{"stats as a list", `M.channelsFromStats({channels: [{name: 'b', subscribers: 1}, 'a']})`,
			`[{"name":"a","subscribers":null},{"name":"b","subscribers":1}]`},
		{"stats without channels", `M.channelsFromStats({connections: 3})`, `[]`},
		{"channel list", `M.parseChannels('stocks, alerts.*  * bad/name stocks .x')`,
			`{"ok":["stocks","alerts.*","*"],"bad":["bad/name",".x"]}`},

		{"classify a warning notification", `M.classify('notification', {level: 'warn'})`, `{"kind":"notification","level":"warning"}`},
		{"classify an alert without level", `M.classify('alert', {})`, `{"kind":"alert","level":"error"}`},
		{"classify a stock tick", `M.classify('stock_update', {symbol: 'X'})`, `{"kind":"stock","level":""}`},
		{"classify a gap", `M.classify('herald.gap', {})`, `{"kind":"system","level":"warning"}`},
		{"classify text", `M.classify('deploy', undefined)`, `{"kind":"other","level":""}`},

		{"preview title and message", `M.preview('notification', '', {title: 'Deploy', message: 'v2 is live'})`, `"Deploy — v2 is live"`},
		{"preview a flat object", `M.preview('metrics', '', {cpuPercent: 12.344, memoryUsedBytes: 1500000000, unixMs: 1795322543020})`,
			`"cpu 12.34% · memoryUsed 1.5 GB · unixMs 1795322543020"`},
		{"preview a gap after a restart", `M.preview('herald.gap', '', {reason: 'trimmed'})`,
			`"Some events were missed: the hub no longer keeps them (it restarted, or they are older than its history). Newer events follow."`},
		{"preview a slow gap", `M.preview('herald.gap', '', {reason: 'slow', missed: 7})`,
			`"Some events were missed (7): this page fell behind the stream. Newer events follow."`},
		{"preview a stock tick", `M.preview('stock-update', '', {symbol: 'AAPL', price: '1.5', changePercent: 2})`, `"AAPL 1.50 +2.00%"`},
		{"preview plain text", `M.preview('message', 'hello\n  world', undefined)`, `"hello world"`},
		{"preview JSON", `M.tryJSON('{"a": [1]}')`, `{"a":[1]}`},
		{"preview not JSON", `M.tryJSON('plain words') === undefined`, `true`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Eval[string](b, "JSON.stringify("+c.expr+")")
			if !jsonEqual(got, c.want) {
				t.Errorf("%s\n got %s\nwant %s", c.expr, got, c.want)
			}
		})
	}
	b.CheckConsole("after the module tests")
}

// jsonEqual compares two JSON texts by value.
func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return a == b
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}
