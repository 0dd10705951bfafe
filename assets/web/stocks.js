// The stock panel: a card per symbol with price, change, change % and a sparkline of the
// last prices. It accepts the shapes real feeds send: event `stock-update` or
// `stock_update`; fields symbol, price, change, changePercent or change_percent; numbers or
// numeric strings. Updates are applied once per animation frame, however fast they arrive.

import { h, svg, num } from './dom.js';

/** How many prices each sparkline keeps. */
export const SPARK_POINTS = 60;

const W = 120;
const H = 36;

/** Reports whether an event type carries a stock quote. */
export function isStockType(type) {
  return type === 'stock-update' || type === 'stock_update';
}

/**
 * Normalises a quote from parsed event data; returns null when there is no symbol or price.
 * change and pct may be NaN when the feed leaves them out; they are then derived from the
 * first price seen.
 */
export function parseQuote(d) {
  if (!d || typeof d !== 'object') return null;
  const symbol = String(d.symbol ?? d.ticker ?? '').trim().toUpperCase();
  const price = num(d.price);
  if (!symbol || Number.isNaN(price)) return null;
  return { symbol, price, change: num(d.change), pct: num(d.changePercent ?? d.change_percent) };
}

const priceFmt = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const signedFmt = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'exceptZero' });

/** StockPanel renders quotes into a grid element. */
export class StockPanel {
  constructor(grid, empty) {
    this.grid = grid;
    this.empty = empty;
    this.cards = new Map();
    this.dirty = new Set();
    this.frame = 0;
  }

  /** Takes one stock event's data (a JSON string); returns false when it is not a quote. */
  add(data) {
    let d;
    try {
      d = JSON.parse(data);
    } catch {
      return false;
    }
    const q = parseQuote(d);
    if (!q) return false;
    let c = this.cards.get(q.symbol);
    if (!c) {
      c = this.createCard(q.symbol);
      c.first = q.price;
      this.cards.set(q.symbol, c);
    }
    c.prev = c.quote ? c.quote.price : q.price;
    c.quote = q;
    c.history.push(q.price);
    if (c.history.length > SPARK_POINTS) c.history.splice(0, c.history.length - SPARK_POINTS);
    this.dirty.add(c);
    if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
    return true;
  }

  createCard(symbol) {
    const c = { history: [] };
    c.price = h('span', { class: 'price' });
    c.change = h('span', { class: 'change' });
    c.area = svg('path', { class: 'spark-area' });
    c.line = svg('polyline', { class: 'spark-line', 'vector-effect': 'non-scaling-stroke' });
    c.spark = svg('svg', { class: 'spark', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', 'aria-hidden': 'true', focusable: 'false' }, c.area, c.line);
    c.label = h('span', { class: 'visually-hidden' });
    // Screen readers get one sentence per card (c.label) instead of its pieces.
    c.el = h('li', { class: 'stock', dataset: { symbol } },
      h('div', { class: 'stock-head', 'aria-hidden': 'true' }, h('span', { class: 'symbol', text: symbol }), c.change),
      h('div', { 'aria-hidden': 'true' }, c.price), c.spark, c.label);
    // Keep the cards in symbol order so they never jump around.
    const after = [...this.cards.keys()].filter((s) => s > symbol).sort()[0];
    this.grid.insertBefore(c.el, after ? this.cards.get(after).el : null);
    this.empty.hidden = true;
    return c;
  }

  flush() {
    this.frame = 0;
    for (const c of this.dirty) this.render(c);
    this.dirty.clear();
  }

  render(c) {
    const q = c.quote;
    let change = q.change;
    let pct = q.pct;
    if (Number.isNaN(change)) change = q.price - c.first;
    if (Number.isNaN(pct)) pct = c.first ? (change / (q.price - change)) * 100 : 0;
    const dir = change > 0 ? 'up' : change < 0 ? 'down' : 'flat';
    c.el.classList.remove('up', 'down', 'flat');
    c.el.classList.add(dir);
    c.price.textContent = priceFmt.format(q.price);
    const arrow = dir === 'up' ? '▲' : dir === 'down' ? '▼' : '•';
    c.change.textContent = `${arrow} ${signedFmt.format(change)} (${signedFmt.format(pct)}%)`;
    c.label.textContent = `${q.symbol} ${priceFmt.format(q.price)}, ${dir === 'up' ? 'up' : dir === 'down' ? 'down' : 'unchanged'} ${priceFmt.format(Math.abs(change))}, ${priceFmt.format(Math.abs(pct))} percent`;
    this.tick(c, q.price - c.prev);
    this.drawSpark(c);
  }

  /** Flashes the price briefly in the direction of the last move. */
  tick(c, delta) {
    if (!delta) return;
    c.price.classList.remove('tick-up', 'tick-down');
    // Reading offsetWidth restarts the CSS animation when the same class comes back.
    void c.price.offsetWidth;
    c.price.classList.add(delta > 0 ? 'tick-up' : 'tick-down');
  }

  drawSpark(c) {
    const pts = c.history;
    if (pts.length < 2) {
      c.line.setAttribute('points', '');
      c.area.setAttribute('d', '');
      return;
    }
    let lo = Math.min(...pts);
    let hi = Math.max(...pts);
    if (hi - lo < 1e-9) {
      lo -= 1;
      hi += 1;
    }
    // The points span the whole width from the first price on, so a fresh card already
    // draws a full line; once SPARK_POINTS prices arrived the oldest scroll off the left.
    const pad = 3;
    const step = W / (pts.length - 1);
    const xy = pts.map((p, i) => [i * step, pad + (H - 2 * pad) * (1 - (p - lo) / (hi - lo))]);
    const line = xy.map(([x, y]) => `${x.toFixed(2)},${y.toFixed(2)}`).join(' ');
    c.line.setAttribute('points', line);
    c.area.setAttribute('d', `M${xy[0][0].toFixed(2)},${H} L${line.replaceAll(' ', ' L')} L${W},${H} Z`);
  }
}
