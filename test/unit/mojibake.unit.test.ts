import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findMojibake, fixMojibake, mayContainMojibake } from '../../src/core/text/mojibake';

/**
 * What a UTF-8 → Latin-1 mis-decode does, built independently of the code under test
 * (Node's decoder maps 0x80–0x9F to C1 controls; Windows-1252 puts ‰, “, € there, which
 * the literal below covers).
 */
function misdecode(s: string): string {
  return new TextDecoder('latin1').decode(new TextEncoder().encode(s));
}

test('Chinese read as CP1252 is found and repaired (the 人物 → äººç‰© case)', () => {
  const bad = 'äººç‰©'; // as seen in real files: ‰ is byte 0x89 in Windows-1252
  assert.equal(fixMojibake(misdecode('人物')), '人物', 'the Latin-1 variant (C1 control for 0x89) too');
  const spans = findMojibake(`label: ${bad}, ok`);
  assert.equal(spans.length, 1);
  assert.equal(spans[0].fixed, '人物');
  assert.equal(fixMojibake(`label: ${bad}, ok`), 'label: 人物, ok');
});

test('accented Latin text and longer sentences round-trip', () => {
  for (const s of ['café crème', '机器人抓取红色杯子', 'naïve — “quoted”', 'Ünïcödé ÿ']) {
    assert.equal(fixMojibake(misdecode(s)), s, s);
  }
});

test('correct text is left alone: ASCII, real Latin-1 words, CJK, emoji', () => {
  for (const s of ['plain ascii', 'São Paulo à la carte', 'Größe', '人物 on the left', 'smile 😀', 'Ã alone', '£100 ©']) {
    assert.deepEqual(findMojibake(s), [], s);
  }
  assert.equal(mayContainMojibake('人物'), false);
});

/** The Windows-1252 characters of the bytes in 他说话了 outside Latin-1 (written out here, not taken from the code). */
const CP1252_CHAR: Record<number, string> = { 0x96: '\u2013', 0x86: '\u2020' };

/** 他说话了 as a Windows-1252 decoder that drops undefined bytes shows it. */
function lossyMojibake(): string {
  const bytes = new TextEncoder().encode('他说话了');
  return [...bytes].filter((b) => ![0x81, 0x8d, 0x8f, 0x90, 0x9d].includes(b)).map((b) => CP1252_CHAR[b] ?? String.fromCharCode(b)).join('');
}

test('mojibake that lost bytes (cp1252 leaves 0x81 0x8D 0x8F 0x90 0x9D undefined: decoders drop them) is found, as lossy', () => {
  // 说话 is E8 AF B4 E8 AF 9D: a Windows-1252 decoder that drops 0x9D leaves "è¯´è¯"
  const spans = findMojibake(`label: ${lossyMojibake()}`);
  assert.equal(spans.length, 1);
  assert.equal(spans[0].lossy, true);
  assert.equal(spans[0].fixed, '他说\uFFFD了', 'the lost character is shown as U+FFFD');
  // genuine Latin-1 text is not mojibake, lossy or not
  assert.deepEqual(findMojibake('Café à la crème, déjà vu'), []);
  assert.deepEqual(findMojibake('è¯ alone'), [], 'a lone truncated pair could be Latin-1: not claimed');
});
