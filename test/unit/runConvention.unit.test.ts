/**
 * A run's prediction file is read in the convention its run scored it in: the newest run that
 * scored a file names it (a relative prediction path is the run's working folder's), and that
 * convention comes after the user's choice and the setting, before anything detected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evalInputSizes, predictionFileConventions } from '../../src/core/eval/runStore';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseConvention } from '../../src/core/geometry/overlays';
import type { RunRecord } from '../../src/core/eval/runs';
import type { MetricAggregate } from '../../src/core/eval/predictionMetrics';

const run = (id: string, startedAt: string, results: Array<{ file: string; convention?: MetricAggregate['convention'] }>): RunRecord => ({
  version: 1,
  id,
  profile: 'RoboInter',
  checkpoint: '/w/ckpt/checkpoint-100',
  checkpointName: 'checkpoint-100',
  task: 'contact_box',
  argv: [],
  cwd: '/w/eval',
  status: 'succeeded',
  queuedAt: startedAt,
  startedAt,
  logMetrics: [],
  log: 'run.log',
  results: results.map((r) => ({ predictionsFile: r.file, aggregate: r.convention ? ({ task: 'contact_box', kind: 'box', samples: 1, unscored: 0, metrics: {}, convention: r.convention } as unknown as MetricAggregate) : undefined })),
});

test('the newest run that scored a file names its convention; a relative path is the run folder’s', () => {
  const map = predictionFileConventions([
    run('old', '2026-11-01T00:00:00Z', [{ file: '/w/ckpt/checkpoint-100/eval_details_contact_box.json', convention: 'pixel' }]),
    run('new', '2026-11-02T00:00:00Z', [{ file: '/w/ckpt/checkpoint-100/eval_details_contact_box.json', convention: 'resized' }, { file: 'out/preds.jsonl', convention: 'norm1000' }, { file: '/w/unscored.json' }]),
  ]);
  assert.deepEqual(map.get('/w/ckpt/checkpoint-100/eval_details_contact_box.json'), { convention: 'resized', run: 'checkpoint-100 · contact_box (RoboInter)', dataset: undefined });
  assert.equal(map.get('/w/eval/out/preds.jsonl')?.convention, 'norm1000');
  assert.equal(map.has('/w/unscored.json'), false, 'a file that was not scored has no convention from a run');
});

test('the run’s convention: after the user’s choice and the setting, before detection', () => {
  const run = { convention: 'resized' as const, reason: 'checkpoint-100 · contact_box (RoboInter)' };
  assert.deepEqual(chooseConvention([], { run, fileGuess: { convention: 'pixel', reason: 'sampled' } }), { convention: 'resized', source: 'run', reason: run.reason });
  assert.equal(chooseConvention([], { run, setting: 'norm1000' }).source, 'setting');
  assert.equal(chooseConvention([], { run, override: 'pixel' }).source, 'override');
});

test('a prediction file’s records get their image sizes from the run’s eval input, by id', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vlm-lens-input-'));
  const input = join(dir, 'contact_box.json');
  writeFileSync(input, JSON.stringify([{ id: 'droid_1', w: 320, h: 180, new_w: 308, new_h: 168, conversations: [] }, { id: 'droid_2', conversations: [] }]));
  const { facts } = await evalInputSizes(input);
  assert.deepEqual(facts?.get('droid_1')?.image, { width: 320, height: 180 });
  assert.deepEqual(facts?.get('droid_1')?.resized, { width: 308, height: 168 });
  assert.equal(facts?.get('droid_2')?.resized, undefined);
  const missing = await evalInputSizes(join(dir, 'nowhere.json'));
  assert.equal(missing.facts, undefined);
  assert.match(missing.why ?? '', /nowhere\.json/);
  const withInput = { ...run('r', '2026-11-03T00:00:00Z', [{ file: '/w/p.json', convention: 'resized' }]), dataset: input };
  assert.equal(predictionFileConventions([withInput]).get('/w/p.json')?.dataset, input);
});
