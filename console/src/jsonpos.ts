// Where in a JSON text a JSON pointer's value starts, so a validation error ("/p2p/rules/0/name")
// can be shown at its line. A small scanner that follows the document's structure; on text that
// is not JSON it returns what it found so far (the closest enclosing value).

export function pointerOffset(text: string, pointer: string): number | null {
  const wanted = pointer === '' || pointer === '/' ? [] : pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i])) i++;
  };
  const string = (): string => {
    // text[i] === '"'
    let out = '';
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        const next = text[i + 1];
        if (next === 'u') {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        out += next === 'n' ? '\n' : next === 't' ? '\t' : next;
        i += 2;
        continue;
      }
      out += text[i++];
    }
    i++;
    return out;
  };
  const skipValue = (): void => {
    ws();
    const c = text[i];
    if (c === '"') {
      string();
    } else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      while (i < text.length && text[i] !== close) {
        if (c === '{') {
          ws();
          string();
          ws();
          i++; // ':'
        }
        skipValue();
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else {
      while (i < text.length && !',}] \t\r\n'.includes(text[i])) i++;
    }
  };
  let found = 0;
  ws();
  for (const token of wanted) {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      let hit = false;
      while (i < text.length) {
        ws();
        if (text[i] === '}') break;
        if (text[i] !== '"') return found;
        const keyStart = i;
        const key = string();
        ws();
        if (text[i] !== ':') return keyStart;
        i++;
        ws();
        if (key === token) {
          hit = true;
          found = keyStart;
          break;
        }
        skipValue();
        ws();
        if (text[i] === ',') i++;
      }
      if (!hit) return found;
    } else if (c === '[') {
      const index = Number(token);
      i++;
      let n = 0;
      let hit = false;
      while (i < text.length) {
        ws();
        if (text[i] === ']') break;
        if (n === index) {
          hit = true;
          found = i;
          break;
        }
        skipValue();
        ws();
        if (text[i] === ',') i++;
        n++;
      }
      if (!hit) return found;
    } else {
      return found;
    }
  }
  return found;
}

export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let k = 0; k < offset && k < text.length; k++) if (text[k] === '\n') line++;
  return line;
}

// A line diff (longest common subsequence): '+' added, '-' removed, ' ' kept.
export function lineDiff(before: string, after: string): { kind: ' ' | '+' | '-'; text: string }[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const n = a.length;
  const m = b.length;
  if (n * m > 4_000_000) {
    return [...a.map((text) => ({ kind: '-' as const, text })), ...b.map((text) => ({ kind: '+' as const, text }))];
  }
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let x = n - 1; x >= 0; x--) {
    for (let y = m - 1; y >= 0; y--) {
      lcs[x][y] = a[x] === b[y] ? lcs[x + 1][y + 1] + 1 : Math.max(lcs[x + 1][y], lcs[x][y + 1]);
    }
  }
  const out: { kind: ' ' | '+' | '-'; text: string }[] = [];
  let x = 0;
  let y = 0;
  while (x < n && y < m) {
    if (a[x] === b[y]) {
      out.push({ kind: ' ', text: a[x] });
      x++;
      y++;
    } else if (lcs[x + 1][y] >= lcs[x][y + 1]) {
      out.push({ kind: '-', text: a[x++] });
    } else {
      out.push({ kind: '+', text: b[y++] });
    }
  }
  while (x < n) out.push({ kind: '-', text: a[x++] });
  while (y < m) out.push({ kind: '+', text: b[y++] });
  return out;
}
