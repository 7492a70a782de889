// How the console shows text it did not write (host names, paths, user names, process names, error
// messages: anything an agent or the server supplied). Characters that are invisible or that reorder
// the text around them would let an agent disguise a value: "pc-invoice<U+202E>fdp.exe" displays as
// "pc-invoiceexe.pdf". So bidi controls, zero-width and other format characters, C0/C1 controls and
// line/paragraph separators are shown as a visible "<U+202E>" marker instead of taking effect, and
// values too long for a table cell are clipped there, with the whole value one click away.
// Every string that dom.ts appends goes through safeText, so no page can forget it.

// Cf covers the bidi controls (U+202A-202E, U+2066-2069, U+200E/200F, U+061C), zero-width
// characters (U+200B-200D, U+2060, U+FEFF), the soft hyphen U+00AD and tag characters; Cs catches
// lone surrogates from "\ud800" in JSON; the Hangul fillers are letters that draw nothing.
const HIDDEN_CORE = '\\p{Cf}\\p{Cs}\\p{Zl}\\p{Zp}\\u115F\\u1160\\u3164\\uFFA0\\x7F-\\x9F';
const HIDDEN = new RegExp(`([\\0-\\x1F${HIDDEN_CORE}])`, 'u');
// Preformatted text (JSON, diffs) keeps its own tab and line feed; JSON.stringify escapes those
// characters inside strings, so any left are layout.
const HIDDEN_KEEP_LAYOUT = new RegExp(`([\\0-\\x08\\x0B-\\x1F${HIDDEN_CORE}])`, 'u');

export interface TextOptions {
  // Keep tab and line feed as they are (text shown in <pre>).
  preformatted?: boolean;
}

// A hidden character, by code point, between runs of ordinary text.
export type Part = string | { code: number };

export function codePointLabel(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

// The value cut into ordinary runs and hidden characters, in order; joined back it is the value.
export function visibleParts(value: string, options: TextOptions = {}): Part[] {
  const pattern = options.preformatted ? HIDDEN_KEEP_LAYOUT : HIDDEN;
  if (!pattern.test(value)) return value === '' ? [] : [value];
  // split() with a capturing group alternates text and separators: odd indexes are hidden characters.
  return value
    .split(new RegExp(pattern.source, 'gu'))
    .map((piece, index): Part => (index % 2 === 1 ? { code: piece.codePointAt(0) as number } : piece))
    .filter((part) => part !== '');
}

// The same as plain text, for places that take no markup: attribute values such as title.
export function visibleString(value: string, options: TextOptions = {}): string {
  return visibleParts(value, options)
    .map((part) => (typeof part === 'string' ? part : `<${codePointLabel(part.code)}>`))
    .join('');
}

// Where a long value is cut in a table cell, counted in code points so no surrogate pair is split.
// Returns null when the value fits.
export function clipPoint(value: string, max: number): number | null {
  if (value.length <= max) return null;
  const points = Array.from(value);
  if (points.length <= max) return null;
  return points.slice(0, max).join('').length;
}

export const CELL_MAX = 120;
// A run this long without a space may break anywhere; shorter words (event types, versions) keep
// whole, so a squeezed column does not chop them.
const LONG_WORD = /\S{30}/u;

// A DOM node that shows the value with every hidden character as a styled, labelled marker. Built
// from Text nodes only: the value never becomes markup.
export function safeText(value: string, options: TextOptions = {}): Node {
  const parts = visibleParts(value, options);
  if (parts.length <= 1 && typeof parts[0] !== 'object') return document.createTextNode(value);
  const span = document.createElement('span');
  span.className = 'has-hidden';
  for (const part of parts) {
    if (typeof part === 'string') {
      span.appendChild(document.createTextNode(part));
      continue;
    }
    const marker = document.createElement('span');
    marker.className = 'cp';
    marker.title = `invisible or direction-changing character ${codePointLabel(part.code)}`;
    marker.appendChild(document.createTextNode(`<${codePointLabel(part.code)}>`));
    span.appendChild(marker);
  }
  return span;
}

// For table cells: a value longer than max shows its beginning and its length; the whole value
// opens in place (a <details>), and detail views show it whole anyway.
export function clipped(value: string, max = CELL_MAX): Node {
  const cut = clipPoint(value, max);
  if (cut === null) {
    if (!LONG_WORD.test(value)) return safeText(value);
    const span = document.createElement('span');
    span.className = 'breakable';
    span.appendChild(safeText(value));
    return span;
  }
  const details = document.createElement('details');
  details.className = 'clipped breakable';
  const summary = document.createElement('summary');
  const note = document.createElement('small');
  note.className = 'muted';
  note.appendChild(document.createTextNode(` (${Array.from(value).length} characters; show all)`));
  summary.append(safeText(value.slice(0, cut)), document.createTextNode('…'), note);
  const full = document.createElement('span');
  full.className = 'full';
  full.appendChild(safeText(value));
  details.append(summary, full);
  return details;
}
