// Unit test of the console's display helper (src/safetext.ts): which characters are shown as code
// point markers, what stays, and where long values are clipped. The TypeScript source is transpiled
// in memory with the project's own typescript package (no build step, no extra dependency); the
// DOM half is exercised by the browser test (console.e2e.mjs).
//   node --test console/tests/safetext.test.mjs
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import ts from 'typescript';

const source = fs.readFileSync(new URL('../src/safetext.ts', import.meta.url), 'utf8');
const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2021 } });
const { visibleParts, visibleString, codePointLabel, clipPoint } = await import(`data:text/javascript;base64,${Buffer.from(outputText).toString('base64')}`);

test('the right-to-left override of issue 20 is shown, not obeyed', () => {
  assert.deepEqual(visibleParts('pc-invoice\u202Efdp.exe'), ['pc-invoice', { code: 0x202e }, 'fdp.exe']);
  assert.equal(visibleString('pc-invoice\u202Efdp.exe'), 'pc-invoice<U+202E>fdp.exe');
});

test('every bidi control, zero-width and format character is escaped', () => {
  const hidden = [
    0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c,
    0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x00ad, 0x180e, 0x2028, 0x2029, 0xe0041, 0x3164, 0x115f,
  ];
  for (const code of hidden) {
    const value = `a${String.fromCodePoint(code)}b`;
    assert.deepEqual(visibleParts(value), ['a', { code }, 'b'], codePointLabel(code));
  }
});

test('C0 and C1 controls are escaped; tab and line feed stay only in preformatted text', () => {
  for (let code = 0; code < 0x20; code++) assert.deepEqual(visibleParts(`x${String.fromCharCode(code)}`), ['x', { code }]);
  for (let code = 0x7f; code <= 0x9f; code++) assert.deepEqual(visibleParts(String.fromCharCode(code)), [{ code }]);
  assert.deepEqual(visibleParts('{\n\t"a": 1\r\n}', { preformatted: true }), ['{\n\t"a": 1', { code: 0x0d }, '\n}']);
  assert.equal(visibleString('line\nnext'), 'line<U+000A>next');
});

test('ordinary text passes unchanged, Japanese and emoji included', () => {
  for (const value of ['', 'pc-01', '経理部の山田 太郎', 'ファイル名.xlsx', 'x 😀 y', 'מחשב', 'a\u00a0b', '<b>&amp;</b>']) {
    assert.equal(visibleString(value), value);
  }
  assert.deepEqual(visibleParts(''), []);
  assert.deepEqual(visibleParts('plain'), ['plain']);
});

test('adjacent hidden characters are each shown, a lone surrogate too', () => {
  assert.equal(visibleString('\u200B\u202E\uFEFF'), '<U+200B><U+202E><U+FEFF>');
  assert.equal(visibleString('x\ud800y'), 'x<U+D800>y');
  assert.equal(codePointLabel(0xe0041), 'U+E0041');
});

test('long values are clipped by code point, never inside a surrogate pair', () => {
  assert.equal(clipPoint('short', 120), null);
  const long = 'A'.repeat(16 * 1024);
  assert.equal(clipPoint(long, 120), 120);
  const emoji = '😀'.repeat(200); // 200 code points, 400 UTF-16 units
  assert.equal(clipPoint(emoji, 120), 240);
  assert.equal(clipPoint('😀'.repeat(100), 120), null, '100 code points fit although they are 200 units');
});
