// The channel picker: toggle buttons for the channels the hub knows (from GET /stats,
// refreshed while the page is visible), plus a field for any name or pattern ("alerts.*").
// The choice is kept in localStorage; ?channel= in the page URL overrides it.

import { h, load, save } from './dom.js';

const KEY = 'herald.channels';
const ALL = '*';
const RECENT_KEY = 'herald.recentChannels';
const MAX_RECENT = 20;
const REFRESH_MS = 15000;
const PATTERN_RE = /^(\*|[A-Za-z0-9][A-Za-z0-9._-]{0,127}(\.\*)?)$/;

/**
 * Reads the channel list out of a /stats answer. Accepts {channels: {name: count}},
 * {channels: [{name, subscribers}]} and {channels: ["name"]}, so the page keeps working if
 * the hub adds fields. Returns [{name, subscribers}] sorted by name.
 */
export function channelsFromStats(stats) {
  const out = [];
  const ch = stats && stats.channels;
  if (Array.isArray(ch)) {
    for (const c of ch) {
      if (typeof c === 'string') out.push({ name: c, subscribers: NaN });
      else if (c && typeof c.name === 'string') out.push({ name: c.name, subscribers: Number(c.subscribers ?? c.count ?? NaN) });
    }
  } else if (ch && typeof ch === 'object') {
    for (const [name, v] of Object.entries(ch)) {
      out.push({ name, subscribers: Number(typeof v === 'object' && v ? v.subscribers ?? NaN : v) });
    }
  }
  return out.filter((c) => c.name && c.name !== ALL).sort((a, b) => a.name.localeCompare(b.name));
}

/** Splits "a, b  c" into valid names and patterns; returns {ok, bad}. */
export function parseChannels(text) {
  const ok = [];
  const bad = [];
  for (const p of text.split(/[\s,]+/)) {
    if (!p) continue;
    (PATTERN_RE.test(p) ? ok : bad).push(p);
  }
  return { ok: [...new Set(ok)], bad };
}

/** ChannelPicker calls onChange(channels) whenever the subscription changes. */
export class ChannelPicker {
  constructor({ chips, form, input, datalist, token, initial, onChange }) {
    Object.assign(this, { chips, form, input, datalist, token, onChange });
    let saved = null;
    try {
      saved = JSON.parse(load(localStorage, KEY, 'null'));
    } catch { /* nothing saved */ }
    const start = initial || (Array.isArray(saved) ? saved : [ALL]);
    this.selected = parseChannels(start.join(' ')).ok;
    if (!this.selected.length) this.selected = [ALL];
    this.known = [];
    // /stats lists the channels the hub carried recently and those with subscribers; the
    // picker also offers the channels this browser sent to or saw (kept, at most MAX_RECENT),
    // which may have aged out of the hub's list.
    try {
      this.recent = parseChannels(JSON.parse(load(localStorage, RECENT_KEY, '[]')).join(' ')).ok;
    } catch {
      this.recent = [];
    }
    this.error = form.querySelector('.field-error');
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const { ok, bad } = parseChannels(input.value);
      if (bad.length) {
        this.showError(`Not a channel name or pattern: ${bad.join(', ')}. Use letters, digits, . _ - and an optional trailing .* (or * for all).`);
        return;
      }
      this.set(ok.length ? ok : [ALL]);
    });
  }

  /** Subscribes to the initial choice and starts following the hub's channel list. */
  start() {
    this.render();
    this.onChange(this.selected.slice());
    this.refresh();
    setInterval(() => {
      if (document.visibilityState === 'visible') this.refresh();
    }, REFRESH_MS);
  }

  async refresh() {
    try {
      const q = this.token ? `?token=${encodeURIComponent(this.token)}` : '';
      const resp = await fetch(`stats${q}`, { headers: { Accept: 'application/json' } });
      if (!resp.ok) return;
      this.known = channelsFromStats(await resp.json());
      this.render();
    } catch {
      /* the hub is down: the status line says so; keep the last list */
    }
  }

  /** Offers a channel the user sent to or the hub mentioned, from now on. */
  remember(name) {
    if (!name || name === ALL || this.recent.includes(name) || !PATTERN_RE.test(name)) return;
    this.recent = [...this.recent, name].slice(-MAX_RECENT);
    save(localStorage, RECENT_KEY, JSON.stringify(this.recent));
    this.render();
  }

  set(channels) {
    this.showError('');
    const same = channels.length === this.selected.length && channels.every((c, i) => c === this.selected[i]);
    this.selected = channels;
    save(localStorage, KEY, JSON.stringify(channels));
    this.render();
    if (!same) this.onChange(channels.slice());
  }

  toggle(name) {
    if (name === ALL) return this.set([ALL]);
    const cur = this.selected.filter((c) => c !== ALL);
    const next = cur.includes(name) ? cur.filter((c) => c !== name) : [...cur, name];
    return this.set(next.length ? next : [ALL]);
  }

  showError(msg) {
    this.error.textContent = msg;
    this.error.hidden = !msg;
    this.input.setAttribute('aria-invalid', String(Boolean(msg)));
  }

  render() {
    const names = new Map(this.known.map((c) => [c.name, c.subscribers]));
    for (const s of [...this.selected, ...this.recent]) if (s !== ALL && !names.has(s)) names.set(s, NaN);
    // Re-rendering replaces the buttons; keep keyboard focus on the one the user was on.
    const focused = this.chips.contains(document.activeElement) ? document.activeElement.dataset.name : null;
    const items = [[ALL, NaN], ...[...names].sort((a, b) => a[0].localeCompare(b[0]))];
    this.chips.replaceChildren(...items.map(([name, subs]) => {
      const on = this.selected.includes(name);
      const label = name === ALL ? 'All channels' : name;
      const count = Number.isFinite(subs) ? h('span', { class: 'count', title: 'subscribers', text: String(subs) }) : null;
      const desc = Number.isFinite(subs) ? `, ${subs} subscriber${subs === 1 ? '' : 's'}` : '';
      return h('li', {}, h('button', {
        type: 'button', class: 'chip', dataset: { name }, 'aria-pressed': String(on), 'aria-label': `${label}${desc}`,
        onclick: () => this.toggle(name),
      }, label, count));
    }));
    if (focused) this.chips.querySelector(`[data-name="${CSS.escape(focused)}"]`)?.focus();
    this.datalist.replaceChildren(...[...names.keys()].map((n) => h('option', { value: n })));
    if (document.activeElement !== this.input) this.input.value = this.selected.join(', ');
  }
}
