// The event log: newest first, bounded, filtered by type and text, pausable. Every entry is
// a <details> element, so a click or Enter on its summary shows the event pretty-printed
// without any script of ours in the keyboard path. New entries are added once per
// animation frame; a hidden tab keeps only the newest MAX_ENTRIES pending.

import { h, tryJSON, clock, load, save } from './dom.js';
import { isStockType, parseQuote } from './stocks.js';

/** How many events the log keeps. */
export const MAX_ENTRIES = 500;

const NO_STOCKS = '!stocks';
const FILTER_KEY = 'herald.logFilter';

// What the hub's herald.gap reasons mean for the person reading the log.
const GAP_REASONS = {
  trimmed: 'the hub no longer keeps them (it restarted, or they are older than its history)',
  'unknown-id': 'the hub does not know the last event this page saw',
  unavailable: 'the hub could not read its history',
  slow: 'this page fell behind the stream',
};

const NOTICES = {
  'herald.shutdown': 'Hub stopped, reconnecting…',
};

/** Classifies an event for colour: kind (stock, system, notification, alert, message, other) and level. */
export function classify(type, parsed) {
  const kind = isStockType(type) ? 'stock'
    : type.startsWith('herald.') ? 'system'
      : ['notification', 'alert', 'message'].includes(type) ? type : 'other';
  let level = '';
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    level = String(parsed.level ?? parsed.severity ?? parsed.priority ?? '').toLowerCase();
  }
  if (level === 'warn') level = 'warning';
  if (level === 'err' || level === 'critical' || level === 'fatal') level = 'error';
  if (!['info', 'success', 'warning', 'error'].includes(level)) level = kind === 'alert' ? 'error' : '';
  if (type === 'herald.gap' || type === 'herald.shutdown') level = 'warning';
  return { kind, level };
}

/** One line of text that says what an event is about. */
export function preview(type, data, parsed) {
  if (type === 'herald.gap') {
    const n = parsed && Number(parsed.missed) > 0 ? ` (${parsed.missed})` : '';
    const why = GAP_REASONS[parsed && parsed.reason] || (n ? 'this page fell behind' : 'the hub no longer had them');
    return `Some events were missed${n}: ${why}. Newer events follow.`;
  }
  if (NOTICES[type]) return NOTICES[type];
  if (type === 'herald.connected') {
    const ch = parsed && Array.isArray(parsed.channels) ? parsed.channels.join(', ') : '';
    return ch ? `Connected to the hub · channels: ${ch}` : 'Connected to the hub';
  }
  if (isStockType(type)) {
    const q = parseQuote(parsed);
    if (q) {
      const pct = Number.isNaN(q.pct) ? '' : ` ${q.pct > 0 ? '+' : ''}${q.pct.toFixed(2)}%`;
      return `${q.symbol} ${q.price.toFixed(2)}${pct}`;
    }
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const title = parsed.title ?? parsed.subject;
    const msg = parsed.message ?? parsed.text ?? parsed.body ?? parsed.msg;
    if (typeof msg === 'string' || typeof title === 'string') {
      return [title, msg].filter((s) => typeof s === 'string' && s).join(' — ');
    }
    // A flat object (metrics, ticks) reads better as "key value" pairs than as JSON.
    const entries = Object.entries(parsed);
    if (entries.length > 0 && entries.every(([, v]) => v === null || typeof v !== 'object')) {
      return compact(entries.map(([k, v]) => field(k, v)).join(' · '));
    }
    return compact(JSON.stringify(parsed));
  }
  return compact(data);
}

const numFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

/** Formats one field of a flat object, reading units from conventional key suffixes. */
export function field(key, v) {
  if (typeof v !== 'number') return `${key} ${v}`;
  if (/Bytes$/.test(key) && v >= 0) return `${key.replace(/Bytes$/, '')} ${bytes(v)}`;
  if (/Percent$/.test(key)) return `${key.replace(/Percent$/, '')} ${numFmt.format(v)}%`;
  if (Number.isInteger(v) && Math.abs(v) >= 1e9) return `${key} ${v}`; // timestamps, ids
  return `${key} ${numFmt.format(v)}`;
}

function bytes(n) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${numFmt.format(n)} ${units[i]}`;
}

function compact(s) {
  const one = String(s).replace(/\s+/g, ' ').trim();
  return one.length > 200 ? `${one.slice(0, 199)}…` : one || '(empty)';
}

/** EventLog keeps the entries and renders them into an <ol>. */
export class EventLog {
  constructor({ list, typeSelect, search, pauseButton, clearButton, counter, empty }) {
    Object.assign(this, { list, typeSelect, search, pauseButton, clearButton, counter, empty });
    this.entries = [];
    this.pending = [];
    this.types = new Set();
    this.seq = 0;
    this.paused = false;
    this.held = 0;
    this.frame = 0;
    const saved = tryJSON(load(localStorage, FILTER_KEY, '')) || {};
    // Stock ticks have their own panel, so by default the log leaves them out.
    this.filter = { type: typeof saved.type === 'string' ? saved.type : NO_STOCKS, text: '' };
    if (this.filter.type && !this.filter.type.startsWith('!')) this.addTypeOption(this.filter.type);
    typeSelect.value = this.filter.type;
    typeSelect.addEventListener('change', () => this.setFilter({ type: typeSelect.value }));
    search.addEventListener('input', () => this.setFilter({ text: search.value }));
    pauseButton.addEventListener('click', () => this.setPaused(!this.paused));
    clearButton.addEventListener('click', () => this.clear());
    this.updateCounter();
  }

  /** Adds an event {type, data, id, at}. */
  add(ev) {
    const parsed = tryJSON(ev.data);
    const { kind, level } = classify(ev.type, parsed);
    const e = { ...ev, seq: ++this.seq, parsed, kind, level, text: preview(ev.type, ev.data, parsed) };
    e.haystack = `${e.type}\n${e.text}\n${ev.data}\n${ev.id || ''}`.toLowerCase();
    this.entries.push(e);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    if (!this.types.has(ev.type)) this.addTypeOption(ev.type);
    if (this.paused) {
      this.held = Math.min(this.held + 1, MAX_ENTRIES);
      this.updateCounter();
      return;
    }
    this.pending.push(e);
    if (this.pending.length > MAX_ENTRIES) this.pending.splice(0, this.pending.length - MAX_ENTRIES);
    if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  addTypeOption(type) {
    this.types.add(type);
    const opts = [...this.typeSelect.options].slice(2);
    const before = opts.find((o) => o.value > type);
    const opt = h('option', { value: type, text: type });
    this.typeSelect.insertBefore(opt, before || null);
  }

  matches(e) {
    const { type, text } = this.filter;
    if (type === NO_STOCKS && e.kind === 'stock') return false;
    if (type && type !== NO_STOCKS && e.type !== type) return false;
    return !text || e.haystack.includes(text);
  }

  flush() {
    this.frame = 0;
    const frag = document.createDocumentFragment();
    for (let i = this.pending.length - 1; i >= 0; i--) {
      if (this.matches(this.pending[i])) frag.append(this.renderEntry(this.pending[i]));
    }
    this.pending = [];
    this.list.prepend(frag);
    while (this.list.childElementCount > MAX_ENTRIES) this.list.lastElementChild.remove();
    this.updateCounter();
  }

  /** Re-renders every kept entry (after a filter change or a resume). */
  renderAll() {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.pending = [];
    this.list.replaceChildren();
    this.pending = this.entries.slice();
    this.flush();
  }

  renderEntry(e) {
    const time = h('time', { class: 'when', datetime: e.at.toISOString(), text: clock(e.at) });
    const badge = h('span', { class: 'type', text: e.type });
    const summary = h('summary', {}, time, badge, h('span', { class: 'preview', text: e.text }));
    const details = h('details', {}, summary);
    details.addEventListener('toggle', () => {
      if (details.open && details.childElementCount === 1) details.append(this.renderBody(e));
    });
    return h('li', { class: 'entry', dataset: { kind: e.kind, level: e.level || 'none' } }, details);
  }

  renderBody(e) {
    const pretty = e.parsed !== undefined ? JSON.stringify(e.parsed, null, 2) : e.data;
    const meta = h('dl', { class: 'meta' },
      h('dt', { text: 'type' }), h('dd', { text: e.type }),
      h('dt', { text: 'id' }), h('dd', { text: e.id || '—' }),
      h('dt', { text: 'received' }), h('dd', { text: e.at.toLocaleString() }),
      h('dt', { text: 'size' }), h('dd', { text: `${new Blob([e.data]).size} bytes` }));
    return h('div', { class: 'entry-body' }, meta, h('pre', { tabindex: '0', 'aria-label': 'event data' }, pretty));
  }

  setFilter(f) {
    if ('type' in f) this.filter.type = f.type;
    if ('text' in f) this.filter.text = f.text.trim().toLowerCase();
    save(localStorage, FILTER_KEY, JSON.stringify({ type: this.filter.type }));
    this.renderAll();
  }

  setPaused(p) {
    this.paused = p;
    this.pauseButton.setAttribute('aria-pressed', String(p));
    this.pauseButton.textContent = p ? 'Resume' : 'Pause';
    if (!p) {
      this.held = 0;
      this.renderAll();
    }
    this.updateCounter();
  }

  clear() {
    this.entries = [];
    this.held = 0;
    this.renderAll();
  }

  updateCounter() {
    const shown = this.list.childElementCount;
    const total = this.entries.length;
    let s = total === shown ? `${total} events` : `${shown} of ${total} events`;
    if (this.paused) s = `Paused · ${this.held}${this.held >= MAX_ENTRIES ? '+' : ''} new`;
    this.counter.textContent = s;
    this.empty.hidden = shown > 0;
    this.empty.textContent = total > 0 ? 'No event matches the filter.' : 'Waiting for events…';
  }
}
