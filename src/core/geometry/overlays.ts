/**
 * A record's overlays: its raw shapes read in the convention that applies, converted to
 * pixels of the image they are drawn on. Used by the CLI (`inspect`) and by the viewer,
 * whose webview runs this same code to redraw when the user switches convention.
 */
import type { NormalizedRecord } from '../records/model';
import { QWEN_MAX_PIXELS, QWEN_MIN_PIXELS } from './conventions';
import { toPixelShapes } from './convert';
import { guessRecordConvention } from './detect';
import type { Convention, ConventionChoice, EgoTrajectory, PixelShape, RawShape, RecordGeometryRaw, Size } from './types';

export interface OverlaySettings {
  /** the user's choice for this file (viewer menu, CLI --convention) */
  override?: Convention;
  /** from vlmLens.coordinateConvention (glob → convention) */
  setting?: Convention;
  /** the convention of the eval run that scored this file (a run's prediction file), with the run named */
  run?: { convention: Convention; reason: string };
  /** the file's detected convention (from a sample of its records) */
  fileGuess?: { convention: Convention; reason: string };
  qwenMinPixels?: number;
  qwenMaxPixels?: number;
}

export interface RecordOverlays {
  /** size of the image the shapes are drawn on (as displayed), when known */
  image?: Size;
  /** why the shapes could not be converted (no image size known) */
  noImage?: string;
  /** shapes that could not be converted, with the reason */
  skipped: Array<{ shape: RawShape; reason: string }>;
  choice: ConventionChoice;
  shapes: PixelShape[];
  ego: EgoTrajectory[];
}

/** Which convention applies to the file's undetermined shapes, and why. */
export function chooseConvention(raw: RawShape[], settings: OverlaySettings, image?: Size): ConventionChoice {
  if (settings.override) return { convention: settings.override, source: 'override', reason: 'chosen for this file' };
  if (settings.setting) return { convention: settings.setting, source: 'setting', reason: 'vlmLens.coordinateConvention' };
  if (settings.run) return { ...settings.run, source: 'run' };
  if (settings.fileGuess) return { ...settings.fileGuess, source: 'auto' };
  const g = guessRecordConvention(raw, image);
  if (g) return { ...g, source: 'auto' };
  return { convention: 'pixel', source: 'auto', reason: 'no undetermined values' };
}

export function recordOverlays(rec: NormalizedRecord, geometry: RecordGeometryRaw, image: Size | undefined, settings: OverlaySettings): RecordOverlays {
  // shapes of another camera (DriveLM <c1,CAM_BACK,…>) are never drawn on the first image
  const firstView = rec.images[0]?.view;
  const elsewhere = geometry.shapes.filter((s) => s.view !== undefined && s.view !== firstView);
  if (elsewhere.length > 0) geometry = { ...geometry, shapes: geometry.shapes.filter((s) => !elsewhere.includes(s)) };
  const otherView = elsewhere.map((shape) => ({ shape, reason: `on ${shape.view ?? '?'}, not on the image shown${firstView ? ` (${firstView})` : ''}` }));
  const choice = chooseConvention(geometry.shapes, settings, image);
  if (!image) {
    return {
      choice,
      shapes: [],
      skipped: otherView,
      ego: geometry.ego,
      noImage: geometry.shapes.length > 0 ? 'no image size is known for this record: its geometry is not converted to pixels' : undefined,
    };
  }
  const { shapes, skipped } = toPixelShapes(geometry.shapes, { image, resized: rec.resizedSize, qwenMinPixels: settings.qwenMinPixels ?? QWEN_MIN_PIXELS, qwenMaxPixels: settings.qwenMaxPixels ?? QWEN_MAX_PIXELS }, choice);
  return { image, choice, shapes, skipped: [...otherView, ...skipped], ego: geometry.ego };
}
