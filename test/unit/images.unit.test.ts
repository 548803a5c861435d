import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { candidatePaths, classifyRef, resolveImage } from '../../src/core/images/resolveImage';
import { TaskQueue } from '../../src/core/util/taskQueue';
import { ImageService } from '../../src/imaging/imageService';

test('references: data URIs, URLs, LMDB episode#frame, file URLs, empty', () => {
  assert.deepEqual(classifyRef('data:image/png;base64,iVBOR'), { kind: 'data', mime: 'image/png', base64: true });
  assert.deepEqual(classifyRef('https://example.com/a.jpg'), { kind: 'url', url: 'https://example.com/a.jpg' });
  assert.deepEqual(classifyRef('episodes/91970_exterior_image_1_left#42'), { kind: 'lmdb', episode: '91970_exterior_image_1_left', frame: '42' });
  assert.deepEqual(classifyRef('file:///data/a%20b.jpg'), { kind: 'path', path: '/data/a b.jpg' });
  assert.equal(classifyRef('  ').kind, 'invalid');
  assert.deepEqual(classifyRef('imgs/a#b.jpg'), { kind: 'path', path: 'imgs/a#b.jpg' }, 'a # not followed by a frame number is a file name');
});

test('relative paths: dataset folder, then image roots, then the meta root; absolute as is', async () => {
  const ctx = { datasetDir: '/ws/data', imageRoots: ['/ws/images', '/mnt/coco'], metaRoot: '/ws/playground' };
  assert.deepEqual(candidatePaths('a/b.jpg', ctx), ['/ws/data/a/b.jpg', '/ws/images/a/b.jpg', '/mnt/coco/a/b.jpg', '/ws/playground/a/b.jpg']);
  assert.deepEqual(candidatePaths('../img/c.jpg', ctx)[0], '/ws/img/c.jpg');
  assert.deepEqual(candidatePaths('/abs/x.png', ctx), ['/abs/x.png']);
  const present = new Set(['/mnt/coco/a/b.jpg']);
  const r = await resolveImage('a/b.jpg', ctx, (p) => Promise.resolve(present.has(p)));
  assert.deepEqual(r, { kind: 'file', path: '/mnt/coco/a/b.jpg', tried: candidatePaths('a/b.jpg', ctx) });
  const miss = await resolveImage('nope.jpg', ctx, () => Promise.resolve(false));
  assert.equal(miss.kind, 'missing');
  assert.equal(miss.kind === 'missing' && miss.tried.length, 4);
});

test('task queue: bounded concurrency, priority, aborted waiting tasks are dropped', async () => {
  const q = new TaskQueue(2);
  let running = 0;
  let peak = 0;
  const order: string[] = [];
  const task = (name: string, ms: number) => async () => {
    running++;
    peak = Math.max(peak, running);
    order.push(name);
    await new Promise((r) => setTimeout(r, ms));
    running--;
    return name;
  };
  const ac = new AbortController();
  const ps = [q.run(task('a', 20)), q.run(task('b', 20)), q.run(task('low', 1), { priority: 0 }), q.run(task('high', 1), { priority: 5 }), q.run(task('dropped', 1), { signal: ac.signal })];
  ac.abort();
  const results = await Promise.allSettled(ps);
  assert.equal(peak, 2);
  assert.deepEqual(order, ['a', 'b', 'high', 'low']);
  assert.equal(results[4].status, 'rejected');
});

test('image service: EXIF orientation is applied, renditions are cached and bounded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vlm-img-'));
  try {
    // 200x100 stored, orientation 6 (rotate 90° clockwise to display): displays as 100x200.
    const src = join(dir, 'rot.jpg');
    await sharp({ create: { width: 200, height: 100, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(src);
    const svc = new ImageService(join(dir, 'cache'));
    const info = await svc.info({ kind: 'file', path: src });
    assert.deepEqual([info.width, info.height, info.storedWidth, info.storedHeight, info.orientation], [100, 200, 200, 100, 6]);
    const r = await svc.render({ kind: 'file', path: src }, 64);
    assert.deepEqual([r.width, r.height], [32, 64], 'oriented, fitted inside 64');
    const m = await sharp(r.file).metadata();
    assert.equal(m.format, 'webp');
    const first = statSync(r.file).mtimeMs;
    const again = await svc.render({ kind: 'file', path: src }, 64);
    assert.equal(again.file, r.file);
    assert.equal(statSync(again.file).mtimeMs, first, 'served from the cache');
    const big = await svc.render({ kind: 'file', path: src }, 4096);
    assert.deepEqual([big.width, big.height], [100, 200], 'never enlarged');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('image service: 16-bit PNG and TIFF become WebP; data: URIs; unreadable files reject', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vlm-img-'));
  try {
    const png16 = join(dir, 'deep.png');
    await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 10, g: 200, b: 10 } } })
      .toColourspace('rgb16')
      .png()
      .toFile(png16);
    assert.equal((await sharp(png16).metadata()).depth, 'ushort');
    const tif = join(dir, 'scan.tiff');
    await sharp({ create: { width: 30, height: 40, channels: 3, background: '#336699' } }).tiff().toFile(tif);
    const svc = new ImageService(join(dir, 'cache'));
    for (const p of [png16, tif]) {
      const r = await svc.render({ kind: 'file', path: p }, 512);
      assert.equal((await sharp(r.file).metadata()).format, 'webp');
    }
    const pngBytes = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#fff' } }).png().toBuffer();
    const data = await svc.info({ kind: 'data', uri: `data:image/png;base64,${pngBytes.toString('base64')}` });
    assert.deepEqual([data.width, data.height], [8, 6]);
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'broken.jpg'), 'not an image');
    await assert.rejects(svc.render({ kind: 'file', path: join(dir, 'sub', 'broken.jpg') }, 64));
    await assert.rejects(svc.info({ kind: 'file', path: join(dir, 'absent.jpg') }), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('image service: many concurrent requests for the same rendition all succeed (one render)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vlm-img-'));
  try {
    const src = join(dir, 'same.jpg');
    await sharp({ create: { width: 320, height: 180, channels: 3, background: '#4a6fa5' } }).jpeg().toFile(src);
    const svc = new ImageService(join(dir, 'cache'), 3);
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => svc.render({ kind: 'file', path: src }, 96)));
    assert.deepEqual(results.map((r) => r.status), Array(20).fill('fulfilled'));
    const files = new Set(results.map((r) => (r.status === 'fulfilled' ? r.value.file : '')));
    assert.equal(files.size, 1);
    // a requester that gives up does not cancel the render for the others
    const other = join(dir, 'other.png');
    await sharp({ create: { width: 50, height: 40, channels: 3, background: '#123456' } }).png().toFile(other);
    const quitter = new AbortController();
    const a = svc.render({ kind: 'file', path: other }, 48, { signal: quitter.signal });
    const b = svc.render({ kind: 'file', path: other }, 48);
    quitter.abort();
    await assert.rejects(a, /aborted/);
    assert.equal((await b).width, 48);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('header sizes: PNG, JPEG (first SOF, past an EXIF block), WebP lossy / lossless, GIF, BMP, as sharp reads them', async () => {
  const { headerSize, imageHeaderSize } = await import('../../src/core/images/sniff');
  const cases: Array<[string, Buffer]> = [
    ['png', await sharp({ create: { width: 123, height: 45, channels: 3, background: '#f00' } }).png().toBuffer()],
    ['jpeg', await sharp({ create: { width: 321, height: 54, channels: 3, background: '#0f0' } }).jpeg().withMetadata({ orientation: 6 }).toBuffer()],
    ['webp', await sharp({ create: { width: 77, height: 33, channels: 3, background: '#00f' } }).webp().toBuffer()],
    ['webp lossless', await sharp({ create: { width: 78, height: 31, channels: 4, background: '#00f' } }).webp({ lossless: true }).toBuffer()],
    ['gif', await sharp({ create: { width: 20, height: 10, channels: 3, background: '#ff0' } }).gif().toBuffer()],
  ];
  for (const [name, buf] of cases) {
    const m = await sharp(buf).metadata();
    assert.deepEqual(headerSize(new Uint8Array(buf)), { width: m.width, height: m.height }, name);
  }
  const bmp = Buffer.alloc(54);
  bmp.write('BM', 0, 'ascii');
  bmp.writeInt32LE(640, 18);
  bmp.writeInt32LE(-480, 22); // top-down rows
  assert.deepEqual(headerSize(new Uint8Array(bmp)), { width: 640, height: 480 });
  assert.equal(headerSize(new TextEncoder().encode('<html>not an image</html>')), undefined);
  const dir = mkdtempSync(join(tmpdir(), 'vlm-hdr-'));
  try {
    writeFileSync(join(dir, 'a.jpg'), cases[1][1]);
    assert.deepEqual(await imageHeaderSize(join(dir, 'a.jpg')), { width: 321, height: 54 });
    assert.equal(await imageHeaderSize(join(dir, 'missing.jpg')), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
