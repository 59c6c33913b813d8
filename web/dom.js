/**
 * Building DOM without innerHTML: every text from the server goes in as a text node, so a task's
 * request or a command's output can never become markup.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(element, attrs, children) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'text') element.textContent = String(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An HTML element: h('p', { class: 'x' }, 'text', h('code', {}, id)). */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element, same calling convention. */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

/** A <time> element: the time of day for today, the date too otherwise. */
export function time(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const date = new Date(iso);
  const today = date.toDateString() === new Date().toDateString();
  return h('time', { datetime: iso, title: dateTime.format(date) }, today ? timeOnly.format(date) : dateTime.format(date));
}

/** "1.2 s", "3 min 4 s" between two ISO times, or undefined. */
export function duration(startIso, endIso) {
  if (!startIso || !endIso) return undefined;
  const ms = Math.max(0, Date.parse(endIso) - Date.parse(startIso));
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function plural(n, one, many = `${one}s`) {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** The first line of `text`, cut to `max` characters. */
export function headline(text, max = 120) {
  const line = String(text).split('\n', 1)[0].trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line || '(empty request)';
}

/** Says `text` through the page's polite live region. */
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region || !text) return;
  region.textContent = '';
  // A new text node after a tick is announced even when it repeats the last message.
  setTimeout(() => {
    region.textContent = text;
  }, 50);
}

/**
 * Replaces the children of `container` with `children`, keeping keyboard focus on the element with
 * the same id when the new content has one.
 */
export function replace(container, ...children) {
  const active = document.activeElement;
  const focusedId = active && container.contains(active) ? active.id : undefined;
  container.replaceChildren();
  append(container, children);
  if (focusedId) document.getElementById(focusedId)?.focus();
  return Boolean(focusedId) && !document.getElementById(focusedId);
}
