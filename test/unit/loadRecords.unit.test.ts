import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryFile } from '../../src/core/io/randomAccessFile';
import { RecordIndex } from '../../src/core/index/recordIndex';
import { loadRecords } from '../../src/core/dataset/loadRecords';
import { scanRecords, type ScanStatus } from '../../src/core/dataset/scanRecords';
import { locateParseError } from '../../src/core/records/parseRecord';

const enc = new TextEncoder();
async function open(text: string | Uint8Array, name: string) {
  const file = new MemoryFile(name, typeof text === 'string' ? enc.encode(text) : text);
  return { file, index: await RecordIndex.build(file, { fileName: name }) };
}

test('parse errors are located at the exact column, with a message that says why', () => {
  assert.deepEqual(locateParseError('{"a":}'), { code: 'ValueExpected', message: 'a value is expected here', offset: 5, length: 1 });
  assert.equal(locateParseError('{"a":1,}').code, 'PropertyNameExpected');
  assert.equal(locateParseError('{"a":1} {"b":2}').code, 'TrailingData');
  assert.equal(locateParseError('{"a":1').code, 'CloseBraceExpected');
  assert.equal(locateParseError('').message, 'empty record');
});

test('JSONL: a broken line is a record with a located parse error; good lines around it normalize', async () => {
  const { file, index } = await open('{"id":"a","conversations":[{"from":"human","value":"hi"}]}\n{"id":"b", "x": }\n{"id":"c"}\n', 'x.jsonl');
  const recs = await loadRecords(file, index, 0, 3);
  assert.equal(recs[0].record?.format, 'llava');
  assert.deepEqual(recs[1].parseError && { line: recs[1].parseError.line, column: recs[1].parseError.column, code: recs[1].parseError.code }, { line: 1, column: 16, code: 'ValueExpected' });
  assert.equal(recs[2].record?.id, 'c');
});

test('JSON arrays: errors are located in file lines and columns, also on an indented first line', async () => {
  const text = '[\n  {"id": 1},\n  {"id": 2, "bad": tru},\n  {"id": 3}\n]\n';
  const { file, index } = await open(text, 'a.json');
  const recs = await loadRecords(file, index, 0, 3);
  assert.equal(recs[1].line, 2);
  assert.equal(recs[1].column, 2);
  // `tru` starts at column 19 of line 2 (0-based)
  assert.deepEqual([recs[1].parseError?.line, recs[1].parseError?.column], [2, 19]);
  assert.equal(text.split('\n')[2].slice(19, 22), 'tru');
});

test('invalid UTF-8 is located; too-large records carry a preview', async () => {
  const bytes = new Uint8Array([...enc.encode('{"a":"ok"}\n{"t":"abc'), 0xc3, 0x28, ...enc.encode('"}\n')]);
  const { file, index } = await open(bytes, 'x.jsonl');
  const recs = await loadRecords(file, index, 0, 2);
  assert.deepEqual(recs[1].invalidUtf8, { line: 1, column: 9 });
  assert.ok(recs[1].value, 'the record still parses (with U+FFFD)');
  const big = await open('{"blob":"' + 'q'.repeat(3000) + '"}\n', 'b.jsonl');
  const [r] = await loadRecords(big.file, big.index, 0, 1, { maxRecordBytes: 100 });
  assert.equal(r.tooLarge?.bytes, 3012);
  assert.match(r.tooLarge?.preview ?? '', /^\{"blob":"qqq/);
});

test('whole-file scan: format mix, every broken line located, capped list says so', async () => {
  const lines = [
    JSON.stringify({ conversations: [{ from: 'human', value: 'q' }], image: 'a.jpg' }),
    '{"broken": ',
    JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
    '{"also": broken}',
    JSON.stringify({ id: 1, pred: 'assistant\nA', gt: 'A', image_path: 'x.jpg' }),
  ];
  const { file, index } = await open(lines.join('\n') + '\n', 'x.jsonl');
  // '{"broken":' (trailing space trimmed) needs a value at column 10; 'broken' in line 3 starts at column 9
  const updates: ScanStatus[] = [];
  const s = await scanRecords(file, index, { intervalMs: 0, onProgress: (u) => updates.push(u) });
  assert.deepEqual(s.formats, { llava: 1, sharegpt: 1, 'robointer-eval': 1 });
  assert.equal(s.parseErrors, 2);
  assert.deepEqual(s.problems.map((p) => [p.index, p.line, p.column]), [[1, 1, 10], [3, 3, 9]]);
  assert.equal(updates[updates.length - 1].done, true);
  const capped = await scanRecords(file, index, { maxProblems: 1 });
  assert.equal(capped.problems.length, 1);
  assert.equal(capped.problemsCapped, true);
  assert.equal(capped.parseErrors, 2, 'the count is never capped');
});

test('mojibake is flagged in the record and counted by the scan, also when written with \\u escapes', async () => {
  const bad = 'äººç‰©'; // 人物 decoded as Windows-1252
  const escaped = JSON.stringify({ id: 'e', text: bad }).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  const { file, index } = await open(`${JSON.stringify({ id: 'm', conversations: [{ from: 'human', value: `label ${bad}` }] })}\n${escaped}\n{"id":"ok","t":"人物"}\n`, 'm.jsonl');
  const recs = await loadRecords(file, index, 0, 3);
  assert.deepEqual(recs[0].mojibake, [{ path: ['conversations', 0, 'value'], original: bad, fixed: '人物' }]);
  assert.equal(recs[1].mojibake?.[0].fixed, '人物');
  assert.equal(recs[2].mojibake, undefined);
  const s = await scanRecords(file, index);
  assert.equal(s.mojibake, 2);
  assert.deepEqual(s.problems.map((p) => [p.index, p.kind]), [[0, 'mojibake'], [1, 'mojibake']]);
});
