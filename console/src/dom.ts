// Building DOM nodes without markup strings. Every text value (and everything an agent reported is
// text: process names, paths, device strings, user names) becomes a Text node or an attribute value
// through the DOM API, never HTML: the console has no innerHTML anywhere. Strings pass through
// safeText (safetext.ts), which shows invisible and direction-changing characters as markers.
import { safeText, visibleString } from './safetext';

export type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

// Attributes a person reads (tooltips, labels); the others (value, data-*, id) are data and stay exact.
const READ_ATTRIBUTES = new Set(['title', 'aria-label', 'placeholder', 'alt']);

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value as EventListener);
    } else if (name === 'class') {
      element.className = String(value);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else {
      element.setAttribute(name, READ_ATTRIBUTES.has(name) ? visibleString(String(value)) : String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? safeText(String(child)) : child);
  }
}

// Answers to requests started one after another can arrive in any order: a slower one for an earlier
// choice (a group, a filter, a row) would replace what was asked for last. A page keeps one Latest per
// place it draws: start() before each request, and draw the answer only while isLatest(ticket).
export class Latest {
  private count = 0;

  start(): number {
    this.count += 1;
    return this.count;
  }

  // The ticket of the newest request, for work that must not outlive it (a poll that appends).
  current(): number {
    return this.count;
  }

  isLatest(ticket: number): boolean {
    return ticket === this.count;
  }
}

export function clear(element: Element): void {
  while (element.firstChild) element.removeChild(element.firstChild);
}

export function replace(element: Element, ...children: (Child | Child[])[]): void {
  clear(element);
  append(element, children);
}

// A status line for screen readers and sighted users alike.
export function notice(kind: 'error' | 'info' | 'ok', text: string): HTMLElement {
  return h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
