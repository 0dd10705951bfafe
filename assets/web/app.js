// Herald's browser dashboard: wires the connection, the stock panel, the event log, the
// channel picker and the send form together. Plain ES modules, no build step, no CDN: the
// page must work on a LAN without internet and under the hub's strict CSP.

import { byId, load, save } from './dom.js';
import { Stream } from './stream.js';
import { StockPanel, isStockType } from './stocks.js';
import { EventLog } from './log.js';
import { setupSendForm } from './send.js';
import { ChannelPicker } from './channels.js';

const params = new URLSearchParams(location.search);
// The invite link carries the subscribe token as ?token=; EventSource cannot send headers,
// so the same token goes to /events as ?token= too.
const inviteToken = params.get('token') || '';

const stocks = new StockPanel(byId('stock-grid'), byId('stock-empty'));
const log = new EventLog({
  list: byId('log'), typeSelect: byId('log-type'), search: byId('log-search'),
  pauseButton: byId('log-pause'), clearButton: byId('log-clear'), counter: byId('log-count'),
  empty: byId('log-empty'),
});

let received = 0;
// Notifications and alerts that arrived while the tab was in the background, shown in the
// tab's title so a glance at the tab bar tells there is news.
let unseen = 0;
let titlePhase = '';
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') {
    unseen = 0;
    updateTitle();
  }
});
const stream = new Stream({
  token: inviteToken,
  onEvent(ev) {
    received++;
    if (document.visibilityState === 'hidden' && (ev.type === 'notification' || ev.type === 'alert')) {
      unseen++;
      updateTitle();
    }
    if (isStockType(ev.type)) stocks.add(ev.data);
    else if (ev.type === 'herald.connected') rememberChannels(ev.data);
    log.add(ev);
  },
  onState: showState,
});

function rememberChannels(data) {
  try {
    const { channels } = JSON.parse(data);
    if (Array.isArray(channels)) for (const c of channels) picker.remember(String(c));
  } catch { /* not ours to judge */ }
}

// ---- connection status -------------------------------------------------------------------

const statusBox = byId('status');
const statusText = byId('status-text');
const statusDetail = byId('status-detail');
const statusLive = byId('status-live');
const reconnectButton = byId('reconnect-now');
let countdown = 0;
let lastPhase = '';

const LABELS = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting',
  stopped: 'Hub stopped, reconnecting',
  offline: 'Offline',
};

function showState({ phase, detail, retryAt }) {
  clearInterval(countdown);
  countdown = 0;
  statusBox.dataset.phase = phase;
  statusDetail.textContent = detail || '';
  statusDetail.hidden = !detail;
  statusBox.dataset.failed = String(Boolean(detail));
  reconnectButton.hidden = !(retryAt > Date.now());
  const render = () => {
    let text = LABELS[phase] || phase;
    const secs = Math.ceil((retryAt - Date.now()) / 1000);
    if (retryAt && secs > 0) text += ` in ${secs} s`;
    else if (phase === 'reconnecting' || phase === 'stopped') text += '…';
    statusText.textContent = text;
  };
  render();
  if (retryAt > Date.now()) countdown = setInterval(render, 1000);
  // Screen readers hear phase changes, not every tick of the countdown.
  if (phase !== lastPhase) {
    lastPhase = phase;
    statusLive.textContent = phase === 'offline' ? 'Offline: this device has no network.'
      : phase === 'live' ? 'Live: receiving events.' : (LABELS[phase] || phase);
  }
  titlePhase = phase === 'live' ? '' : ` · ${LABELS[phase] || phase}`;
  updateTitle();
}

function updateTitle() {
  document.title = `${unseen ? `(${unseen}) ` : ''}Herald${titlePhase}`;
}

reconnectButton.addEventListener('click', () => stream.reconnectNow());

// ---- channels, send form, start ----------------------------------------------------------

const picker = new ChannelPicker({
  chips: byId('channel-chips'), form: byId('channel-form'), input: byId('channel-input'),
  datalist: byId('channel-options'), token: inviteToken,
  initial: params.getAll('channel').length ? params.getAll('channel') : null,
  onChange: (channels) => stream.subscribe(channels),
});

setupSendForm({
  inviteToken,
  onSent(type, channel) {
    stream.addType(type);
    picker.remember(channel);
  },
});

byId('hub-host').textContent = location.host || 'this hub';
const listen = byId('listen-form');
listen.addEventListener('submit', (e) => {
  e.preventDefault();
  const input = byId('listen-type');
  for (const t of input.value.split(/[\s,]+/)) if (t) stream.addType(t);
  byId('listen-result').textContent = `Listening for ${[...stream.types].filter((t) => !t.startsWith('herald.')).join(', ')}`;
  save(localStorage, 'herald.extraTypes', JSON.stringify([...stream.types]));
  input.value = '';
});
try {
  for (const t of JSON.parse(load(localStorage, 'herald.extraTypes', '[]'))) stream.addType(String(t));
} catch { /* nothing saved */ }

picker.start();

// For the browser tests and the curious: a read-only view of what the page holds.
window.herald = Object.freeze({
  get received() { return received; },
  get lastEventId() { return stream.lastId; },
  get channels() { return stream.channels.slice(); },
});
