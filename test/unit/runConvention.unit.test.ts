/**
 * A run's prediction file is read in the convention its run scored it in: the newest run that
 * scored a file names it (a relative prediction path is the run's working folder's), and that
 * convention comes after the user's choice and the setting, before anything detected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { predictionFileConventions } from '../../src/core/eval/runStore';
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
  assert.deepEqual(map.get('/w/ckpt/checkpoint-100/eval_details_contact_box.json'), { convention: 'resized', run: 'checkpoint-100 · contact_box (RoboInter)' });
  assert.equal(map.get('/w/eval/out/preds.jsonl')?.convention, 'norm1000');
  assert.equal(map.has('/w/unscored.json'), false, 'a file that was not scored has no convention from a run');
});

test('the run’s convention: after the user’s choice and the setting, before detection', () => {
  const run = { convention: 'resized' as const, reason: 'checkpoint-100 · contact_box (RoboInter)' };
  assert.deepEqual(chooseConvention([], { run, fileGuess: { convention: 'pixel', reason: 'sampled' } }), { convention: 'resized', source: 'run', reason: run.reason });
  assert.equal(chooseConvention([], { run, setting: 'norm1000' }).source, 'setting');
  assert.equal(chooseConvention([], { run, override: 'pixel' }).source, 'override');
});
