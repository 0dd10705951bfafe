// The send form: publishes one event to the hub with POST /publish. The token is kept in
// localStorage only while "remember" is ticked; otherwise it lives in the form alone.

import { byId, load, save } from './dom.js';

const TOKEN_KEY = 'herald.publishToken';
const FORM_KEY = 'herald.sendForm';
const CHANNEL_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Builds the JSON body of POST /publish from the form's values, or throws an Error whose
 * message tells the user what to fix.
 */
export function buildMessage({ channel, type, level, body, isJSON }) {
  channel = channel.trim();
  type = type.trim();
  if (!CHANNEL_RE.test(channel)) {
    throw new Error('Channel: use letters, digits, ".", "_" or "-" (e.g. alerts or team.builds).');
  }
  if (!type || /[\r\n\0]/.test(type)) throw new Error('Type: enter an event type such as message.');
  if (type.startsWith('herald.')) throw new Error('Type: names starting with "herald." are reserved for the hub.');
  if (isJSON) {
    try {
      return { channel, event: type, data: JSON.parse(body) };
    } catch (err) {
      throw new Error(`Message: not valid JSON (${err.message}). Untick "JSON" to send it as text.`);
    }
  }
  if (!body.trim()) throw new Error('Message: write something to send.');
  return { channel, event: type, data: { message: body, level } };
}

/** Wires the form; onSent(type) runs after the hub accepted an event. */
export function setupSendForm({ inviteToken, onSent }) {
  const form = byId('send-form');
  const f = {
    channel: byId('send-channel'), type: byId('send-type'), other: byId('send-type-other'),
    otherWrap: byId('send-type-other-wrap'), level: byId('send-level'), body: byId('send-body'),
    json: byId('send-json'), token: byId('send-token'), remember: byId('send-remember'),
    result: byId('send-result'), button: byId('send-button'),
  };

  const saved = load(localStorage, TOKEN_KEY, '');
  if (saved) {
    f.token.value = saved;
    f.remember.checked = true;
  }
  if (inviteToken) f.token.placeholder = 'the invite link\'s token';
  try {
    const prev = JSON.parse(load(localStorage, FORM_KEY, '{}'));
    if (typeof prev.channel === 'string' && prev.channel) f.channel.value = prev.channel;
    if (typeof prev.level === 'string') f.level.value = prev.level;
  } catch { /* no saved form */ }

  const syncType = () => {
    f.otherWrap.hidden = f.type.value !== 'other';
    f.level.disabled = f.json.checked;
  };
  f.type.addEventListener('change', () => {
    syncType();
    if (!f.otherWrap.hidden) f.other.focus();
  });
  f.json.addEventListener('change', () => {
    syncType();
    f.body.placeholder = f.json.checked ? '{"title": "Deploy", "message": "v1.2 is live"}' : 'What happened?';
  });
  f.remember.addEventListener('change', () => {
    save(localStorage, TOKEN_KEY, f.remember.checked && f.token.value ? f.token.value : null);
  });
  f.token.addEventListener('change', () => {
    if (f.remember.checked) save(localStorage, TOKEN_KEY, f.token.value || null);
  });
  // Ctrl/Cmd+Enter sends from the message box, as in chat apps.
  f.body.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.requestSubmit();
  });
  syncType();

  const show = (text, ok) => {
    f.result.textContent = text;
    f.result.dataset.ok = String(ok);
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    let msg;
    try {
      msg = buildMessage({
        channel: f.channel.value, type: f.type.value === 'other' ? f.other.value : f.type.value,
        level: f.level.value, body: f.body.value, isJSON: f.json.checked,
      });
    } catch (err) {
      show(err.message, false);
      return;
    }
    const token = f.token.value.trim() || inviteToken;
    const headers = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    f.button.disabled = true;
    show('Sending…', true);
    try {
      const resp = await fetch('publish', { method: 'POST', headers, body: JSON.stringify(msg) });
      const text = await resp.text();
      let body;
      try {
        body = JSON.parse(text);
      } catch { /* not JSON */ }
      if (!resp.ok) {
        let why = body && body.error ? body.error : text.trim() || resp.statusText;
        if (!/[.!?]$/.test(why)) why += '.';
        const hint = resp.status === 401 && !token ? ' Paste the hub key or a publish token below.' : '';
        show(`Not sent (${resp.status}): ${why}${hint}`, false);
        return;
      }
      show(`Sent to ${msg.channel}${body && body.id ? ` · id ${body.id}` : ''}`, true);
      save(localStorage, FORM_KEY, JSON.stringify({ channel: msg.channel, level: f.level.value }));
      if (f.remember.checked) save(localStorage, TOKEN_KEY, f.token.value || null);
      f.body.value = '';
      onSent(msg.event, msg.channel);
    } catch (err) {
      show(`Not sent: the hub did not answer (${err.message}). Check that it is running.`, false);
    } finally {
      f.button.disabled = false;
    }
  });
}
