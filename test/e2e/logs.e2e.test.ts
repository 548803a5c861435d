/**
 * Training logs in the Eval panel as a user opens them with Show Metrics in VLM Lens: a real PyTorch
 * Lightning metrics.csv and a GRPO train.log (TRL dict lines between tqdm bars, ending in an
 * out-of-memory error). The charts are grouped by what they measure, smoothing redraws them
 * with the raw line kept, the failure is said with its line, two files overlay, and two NAVSIM
 * PDM result files are compared scene by scene.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { VsCodeSession } from './harness';
import { tempWorkspace } from './fixtures';
import { inkOf, panelShot } from './panel';

let vs: VsCodeSession;
const fixtures = join(__dirname, '..', 'fixtures');

before(async () => {
  const ws = tempWorkspace('logs');
  mkdirSync(join(ws, 'lightning_logs/version_0'), { recursive: true });
  copyFileSync(join(fixtures, 'real/lightning/slm_training.version_0.metrics.first3epochs.csv'), join(ws, 'lightning_logs/version_0/metrics.csv'));
  mkdirSync(join(ws, 'grpo'), { recursive: true });
  copyFileSync(join(fixtures, 'logs/grpo_train.constructed.log'), join(ws, 'grpo/train.log'));
  copyFileSync(join(fixtures, 'logs/hf_trainer_stdout.constructed.log'), join(ws, 'grpo/sft_train.log'));
  mkdirSync(join(ws, 'navsim'), { recursive: true });
  copyFileSync(join(fixtures, 'logs/pdm_scores_il.constructed.csv'), join(ws, 'navsim/il.csv'));
  copyFileSync(join(fixtures, 'logs/pdm_scores_rl.constructed.csv'), join(ws, 'navsim/rl.csv'));
  vs = await VsCodeSession.launch({ name: 'logs', workspace: ws });
});

after(async () => {
  await vs?.close();
});

/** Show Metrics in VLM Lens from the Explorer; the panel's frame once it shows that file. */
async function show(rel: string, status: string) {
  await vs.explorerContextMenu(rel, 'Show Metrics in VLM Lens');
  return vs.webviewFrame('VLM Lens Eval', { selector: '.summary .status', hasText: status });
}

test('a Lightning metrics.csv: loss and eval charts over step, the best validation loss, log scale per chart', async () => {
  const f = await show('lightning_logs/version_0/metrics.csv', 'metrics CSV: metrics.csv');
  await f.locator('.chart[data-chart="curve-loss"]').waitFor();
  await f.locator('.chart[data-chart="curve-eval"]').waitFor();
  assert.ok((await inkOf(f, 'curve-loss')) > 500, 'the loss chart has ink');
  assert.ok((await inkOf(f, 'curve-eval')) > 500, 'the perplexity chart has ink');
  // the real file's lowest val_loss is 6.258554458618164 at step 860
  assert.match(await f.locator('.chart[data-chart="curve-loss"] .best').innerText(), /best val_loss: 6\.2586 at step 860 \(lowest\)/);
  assert.match(await f.locator('.summary .facts').innerText(), /x axis step/);
  await panelShot(vs, 'logs-lightning-csv', f.locator('.chart[data-chart="curve-loss"]'));
});

test('a GRPO train.log: rewards, KL and completion length each on their own chart, smoothing with the raw line kept, the OOM said with its line', async () => {
  const f = await show('grpo/train.log', 'eval log: train.log');
  for (const key of ['curve-loss', 'curve-reward', 'curve-kl', 'curve-length', 'curve-learningRate', 'curve-gradNorm']) await f.locator(`.chart[data-chart="${key}"]`).waitFor();
  const failure = await f.locator('.log-failure').innerText();
  assert.match(failure, /The log ends in a failure \(line \d+\): Out of GPU memory: tried to allocate 2\.31 GiB/);
  assert.match(failure, /torch\.OutOfMemoryError/);
  const before = await inkOf(f, 'curve-reward');
  assert.ok(before > 500);
  // smoothing: the chart is drawn again (smoothed lines over the faint raw ones): the picture changes
  await f.locator('input.smoothing').fill('0.8');
  await f.locator('.smoothing-value', { hasText: '0.80' }).waitFor();
  await f.waitForFunction(
    ([key, was]) => {
      const c = document.querySelector<HTMLCanvasElement>(`.chart[data-chart="${key}"] canvas`);
      const d = c?.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
      if (!d) return false;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n !== was;
    },
    ['curve-reward', before] as const,
  );
  assert.match(await f.locator('.chart[data-chart="curve-reward"] .best').innerText(), /best reward: [\d.]+ at step \d+ \(highest\)/);
  await panelShot(vs, 'logs-grpo-smoothed', f.locator('.chart[data-chart="curve-reward"]'));
});

test('two runs overlaid: the SFT log drawn over the GRPO log, one colour per file', async () => {
  await show('grpo/sft_train.log', 'eval log: sft_train.log');
  const f = await show('grpo/train.log', 'eval log: train.log');
  await f.locator('.overlay-files vscode-checkbox', { hasText: 'sft_train.log' }).click();
  await f.locator('.chart[data-chart="curve-loss"] .best', { hasText: 'sft_train.log · loss' }).waitFor({ timeout: 15_000 });
  assert.match(await f.locator('.chart[data-chart="curve-loss"] .best').innerText(), /train\.log · loss[\s\S]*sft_train\.log · loss/);
  await panelShot(vs, 'logs-overlay', f.locator('.chart[data-chart="curve-loss"]'));
});

test('NAVSIM PDM scores: sub-score means, the score distribution, worst scenes, and scene by scene against another checkpoint', async () => {
  await show('navsim/rl.csv', 'NAVSIM PDM scores: rl.csv');
  const f = await show('navsim/il.csv', 'NAVSIM PDM scores: il.csv');
  assert.match(await f.locator('table.metrics tr', { hasText: 'pdm_score' }).first().innerText(), /0\.4447/);
  await f.locator('.note', { hasText: 'the means agree with the file’s own average row' }).waitFor();
  assert.ok((await inkOf(f, 'pdm-histogram')) > 200, 'the distribution is drawn');
  await f.locator('.overlay-files vscode-checkbox', { hasText: 'rl.csv' }).click();
  const summary = await f.locator('.pdm-compare .facts').innerText({ timeout: 15_000 });
  assert.match(summary, /11 scenes in both: mean 0\.4447 → 0\.5674; 5 better, 2 worse, 4 unchanged/);
  await panelShot(vs, 'logs-pdm-compare', f.locator('.pdm-compare'));
});
