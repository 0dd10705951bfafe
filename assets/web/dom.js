// Small DOM and formatting helpers shared by the dashboard's modules. Everything is built
// with createElement and textContent, never innerHTML, so event data can never inject markup
// and the page needs no inline style or script (the hub's CSP forbids both).

/**
 * Creates an element. attrs: class, text, dataset (object), on<event> handlers, booleans
 * (hidden, disabled...) and any other attribute. Children may be nodes, strings or null.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Creates an SVG element with the given attributes. */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

function applyAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
}

function append(el, children) {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Returns the element with the given id, or throws: a missing id is a bug in index.html. */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`dashboard: #${id} is missing from index.html`);
  return el;
}

/** Parses text as JSON, or returns undefined when it is not JSON. */
export function tryJSON(text) {
  if (typeof text !== 'string') return undefined;
  const t = text.trim();
  if (t === '' || !'{["-0123456789tfn'.includes(t[0])) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

/** Accepts a number or a numeric string (feeds send both) and returns a finite number or NaN. */
export function num(v) {
  if (typeof v === 'number') return Number.isFinite(v) ? v : NaN;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v.trim().replace(/%$/, ''));
    return Number.isFinite(n) ? n : NaN;
  }
  return NaN;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

/** Formats a Date as HH:MM:SS in the user's locale. */
export function clock(d) {
  return timeFmt.format(d);
}

/** Reads a value from storage, tolerating browsers that block storage (private modes). */
export function load(storage, key, fallback = null) {
  try {
    const v = storage.getItem(key);
    return v === null ? fallback : v;
  } catch {
    return fallback;
  }
}

/** Writes (or, for null, removes) a value in storage, ignoring blocked storage. */
export function save(storage, key, value) {
  try {
    if (value === null || value === undefined) storage.removeItem(key);
    else storage.setItem(key, value);
  } catch {
    /* storage blocked: the setting lives for this page only */
  }
}
