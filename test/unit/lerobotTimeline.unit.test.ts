/** The LeRobot view's timeline state (webview/lerobot/timeline.ts), in Node. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellFrames, codecString, decimate, drifted, episodePredictions, filterEpisodes, keyStep, rowAtVideoTime, rowAtX, seekTime, shade, stepRow } from '../../webview/lerobot/timeline';

const FPS = 10;
const ts = Array.from({ length: 30 }, (_, i) => i / FPS);

test('seeking: a camera is sent to the middle of the frame (offset by where the episode starts in its file), and reads back as that frame', () => {
  const near = (a: number, b: number, what = '') => assert.ok(Math.abs(a - b) < 1e-9, `${what} ${a} is not ${b}`);
  near(seekTime(ts, 5, FPS), 0.55);
  near(seekTime(ts, 0, FPS), 0.05);
  near(seekTime(ts, 5, FPS, 12.3), 12.85);
  near(seekTime(ts, 99, FPS), 2.95, 'past the end: the last frame');
  for (let r = 0; r < ts.length; r++) {
    assert.equal(rowAtVideoTime(ts, seekTime(ts, r, FPS), 0), r);
    assert.equal(rowAtVideoTime(ts, seekTime(ts, r, FPS, 7), 7), r);
  }
  // exactly on a frame's timestamp (a decoder's reported time) is that frame, not the one before
  assert.equal(rowAtVideoTime(ts, 0.3), 3);
  assert.equal(rowAtVideoTime(ts, 0.2999999), 3);
  assert.equal(rowAtVideoTime(ts, -1), 0);
  assert.equal(rowAtVideoTime([], 1), 0);
});

test('playback sync: a camera more than a frame and a half from the clock has drifted', () => {
  assert.equal(drifted(1.0, 0, 1.1, 0, FPS), false);
  assert.equal(drifted(1.0, 0, 1.2, 0, FPS), true);
  assert.equal(drifted(5.0, 4, 1.0, 0, FPS), false, 'offsets of episodes inside shared files are compared');
});

test('keys: arrows step one frame, Shift ten, Home and End the ends; other keys are not the timeline\'s', () => {
  assert.equal(keyStep('ArrowRight', false, 5, 30), 6);
  assert.equal(keyStep('ArrowLeft', true, 5, 30), 0);
  assert.equal(keyStep('ArrowRight', true, 25, 30), 29);
  assert.equal(keyStep('End', false, 3, 30), 29);
  assert.equal(keyStep('Home', false, 3, 30), 0);
  assert.equal(keyStep('a', false, 3, 30), undefined);
  assert.equal(stepRow(0, -1, 30), 0);
});

test('codecs LeRobot writes map to the strings canPlayType takes; the strip and chart geometry', () => {
  assert.equal(codecString('av1'), 'av01.0.05M.08');
  assert.equal(codecString('libsvtav1'), 'av01.0.05M.08');
  assert.equal(codecString('h264'), 'avc1.42E01E');
  assert.equal(codecString('mpeg4'), undefined);
  assert.equal(rowAtX(0, 300, 30), 0);
  assert.equal(rowAtX(299, 300, 30), 29);
  assert.equal(rowAtX(155, 300, 30), 15);
  assert.equal(shade(0.4, 0.8), 0.5);
  assert.equal(shade(NaN, 1), 0);
  assert.equal(shade(1, 0), 0);
});

test('decimation keeps every frame of a short signal and each bucket\'s extremes of a long one', () => {
  assert.deepEqual(decimate([1, NaN, 3]), [{ x: 0, y: 1 }, { x: 1, y: null }, { x: 2, y: 3 }]);
  const long = Array.from({ length: 10_000 }, (_, i) => (i === 7777 ? 100 : Math.sin(i / 50)));
  const d = decimate(long, 1000);
  assert.ok(d.length <= 1000);
  assert.ok(d.some((p) => p.x === 7777 && p.y === 100), 'the spike survives');
  assert.ok(d.every((p, i) => i === 0 || p.x > d[i - 1].x), 'in frame order');
});

test('episodes by task, a confusion cell\'s frames, an episode\'s predictions by frame', () => {
  const eps = [{ index: 0, tasks: ['a'] }, { index: 1, tasks: ['b'] }, { index: 2, tasks: ['a', 'b'] }];
  assert.deepEqual(filterEpisodes(eps, 'a').map((e) => e.index), [0, 2]);
  assert.equal(filterEpisodes(eps, '').length, 3);
  const frames = [
    { episode: 0, frame: 1, label: 0, pred: 1 },
    { episode: 0, frame: 2, label: 0, pred: 0 },
    { episode: 1, frame: 1, label: 0, pred: 1 },
    { episode: 1, frame: 2, label: 1 },
  ];
  assert.deepEqual(cellFrames(frames, 0, 1).map((f) => `${f.episode}:${f.frame}`), ['0:1', '1:1']);
  assert.deepEqual([...episodePredictions(frames, 1)], [[1, 1]]);
});
