// The dashboard's connection to the hub: one EventSource on /events that resumes where it
// left off. The browser reconnects by itself after a dropped connection (and sends
// Last-Event-ID); when that fails too, or the EventSource is closed for good, this module
// takes over with its own capped, jittered backoff and passes the last seen id as the
// `lastEventId` query parameter, which is also how a reload resumes.

import { load, save } from './dom.js';

const LAST_ID_KEY = 'herald.lastEventId';
const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30000;

/**
 * Event types the page listens for. EventSource only delivers named events to listeners
 * registered for that exact name (there is no wildcard), so the page starts with the types
 * Herald and common feeds use and learns more with addType (the send form and the "listen
 * for" field call it).
 */
export const DEFAULT_TYPES = [
  'message', 'notification', 'alert', 'stock-update', 'stock_update', 'time', 'tick',
  'metrics', 'update', 'status', 'log', 'event', 'ping', 'heartbeat',
  'herald.connected', 'herald.gap', 'herald.shutdown',
];

/**
 * Stream owns the EventSource. Callbacks:
 *   onEvent({type, data, id, at}) for every event of a listened-for type;
 *   onState({phase, detail, retryAt}) with phase one of
 *   'connecting' | 'live' | 'reconnecting' | 'stopped' | 'offline' | 'failed'.
 */
export class Stream {
  constructor({ token = '', onEvent, onState }) {
    this.token = token;
    this.onEvent = onEvent;
    this.onState = onState;
    this.channels = ['*'];
    this.types = new Set(DEFAULT_TYPES);
    this.es = null;
    this.timer = 0;
    this.attempt = 0;
    this.errorsSinceOpen = 0;
    this.hubStopping = false;
    // The last id is kept with the channels it belongs to: {channels: "a b", id}.
    let saved = {};
    try {
      saved = JSON.parse(load(sessionStorage, LAST_ID_KEY, '{}')) || {};
    } catch { /* start fresh */ }
    this.savedFor = typeof saved.channels === 'string' ? saved.channels : '';
    this.lastId = typeof saved.id === 'string' ? saved.id : '';
    this.listener = (e) => this.dispatch(e);
    window.addEventListener('offline', () => this.goOffline());
    window.addEventListener('online', () => this.reconnectNow());
  }

  /** Subscribes to the given channels and patterns (reconnecting when they changed). */
  subscribe(channels) {
    this.channels = channels.length ? channels : ['*'];
    // Resuming is for the same subscription (a reload, a restart). A different set of
    // channels starts at "now": replaying everything the new channels had since the last
    // id could be the hub's whole history at once.
    if (this.channels.join(' ') !== this.savedFor) {
      this.lastId = '';
      this.savedFor = this.channels.join(' ');
      save(sessionStorage, LAST_ID_KEY, null);
    }
    this.reconnectNow();
  }

  /** Listens for one more event type, on the open connection and every later one. */
  addType(type) {
    if (!type || this.types.has(type)) return;
    this.types.add(type);
    if (this.es) this.es.addEventListener(type, this.listener);
  }

  /** Drops the current connection (if any) and opens a new one at once. */
  reconnectNow() {
    this.close();
    this.attempt = 0;
    if (navigator.onLine === false) {
      this.goOffline();
      return;
    }
    this.open();
  }

  /** The /events URL for the current channels, resuming after the last seen id. */
  url() {
    const q = new URLSearchParams();
    for (const c of this.channels) q.append('channel', c);
    if (this.lastId) q.set('lastEventId', this.lastId);
    if (this.token) q.set('token', this.token);
    return `events?${q}`;
  }

  open() {
    this.errorsSinceOpen = 0;
    this.opened = false;
    // After a failure keep saying "reconnecting" while the next attempt is under way.
    this.state(this.attempt === 0 ? 'connecting' : this.hubStopping ? 'stopped' : 'reconnecting', this.failure || '');
    const es = new EventSource(this.url());
    this.es = es;
    for (const t of this.types) es.addEventListener(t, this.listener);
    es.onopen = () => {
      if (es !== this.es) return;
      this.opened = true;
      this.hubStopping = false;
      this.attempt = 0;
      this.errorsSinceOpen = 0;
      this.state('live', '');
    };
    es.onerror = () => {
      if (es !== this.es) return;
      this.errorsSinceOpen++;
      // A live connection dropped and the browser is retrying by itself (with
      // Last-Event-ID): give it that one try. If it fails as well, or this connection never
      // opened, the hub is down or refusing us; our backoff with a countdown is kinder to
      // it and tells the user more than the browser's fixed retry.
      if (es.readyState === EventSource.CONNECTING && this.opened && this.errorsSinceOpen < 2) {
        this.state(this.hubStopping ? 'stopped' : 'reconnecting', '');
        return;
      }
      // CLOSED before opening means the hub answered with an error status (a network error
      // leaves the EventSource CONNECTING): ask it why.
      const refused = es.readyState === EventSource.CLOSED && !this.opened;
      if (!refused) this.failure = ''; // unreachable now: an older refusal no longer applies
      this.close();
      this.schedule();
      if (refused) this.explain();
    };
  }

  dispatch(e) {
    if (e.currentTarget !== this.es) return;
    if (e.lastEventId) {
      this.lastId = e.lastEventId;
      save(sessionStorage, LAST_ID_KEY, JSON.stringify({ channels: this.savedFor, id: this.lastId }));
    }
    if (e.type === 'herald.shutdown') {
      this.hubStopping = true;
      this.state('stopped', '');
    } else if (e.type === 'herald.connected') {
      this.hubStopping = false;
      if (this.opened) this.state('live', '');
    }
    this.onEvent({ type: e.type, data: e.data, id: e.lastEventId, at: new Date() });
  }

  /** Plans the next connection attempt: 1 s, 2 s, 4 s ... 30 s, each with ±20 % jitter. */
  schedule() {
    const base = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** this.attempt);
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.attempt++;
    const retryAt = Date.now() + delay;
    this.state(this.hubStopping ? 'stopped' : 'reconnecting', this.failure || '', retryAt);
    this.timer = setTimeout(() => {
      this.timer = 0;
      this.open();
    }, delay);
  }

  /**
   * EventSource hides why a connection failed. When it fails before ever opening, ask the
   * hub once with fetch so a wrong token or channel shows the hub's own error message.
   */
  async explain() {
    const ctl = new AbortController();
    const timeout = setTimeout(() => ctl.abort(), 5000);
    try {
      const resp = await fetch(this.url(), { signal: ctl.signal, headers: { Accept: 'text/event-stream' } });
      if (!resp.ok) {
        let msg = `HTTP ${resp.status}`;
        try {
          const body = await resp.json();
          if (body && body.error) msg = body.error;
        } catch { /* not JSON: keep the status */ }
        this.failure = msg;
        if (this.timer) this.state('reconnecting', msg, this.retryAt);
      }
    } catch {
      /* the hub is unreachable: the countdown already says so */
    } finally {
      clearTimeout(timeout);
      ctl.abort();
    }
  }

  goOffline() {
    this.close();
    this.state('offline', '');
  }

  close() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = 0;
    if (this.es) {
      this.es.close();
      this.es = null;
    }
  }

  state(phase, detail, retryAt = 0) {
    if (phase === 'live') this.failure = '';
    this.retryAt = retryAt;
    this.onState({ phase, detail, retryAt });
  }
}
