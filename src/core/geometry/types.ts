/**
 * Spatial annotations found in a record: boxes, points and trajectories, as written (raw
 * numbers, in whatever coordinate convention the data uses) and where they came from.
 * Pure data, shared with the webview (which draws them with the same conversions).
 */
import type { JsonPath } from '../records/model';

export type ShapeKind = 'box' | 'point' | 'trajectory';

/** gt: dataset answer / ground truth; pred: a model's output; prompt: given in the question. */
export type ShapeRole = 'gt' | 'pred' | 'prompt';

export type Convention =
  /** absolute pixels of the original image */
  | 'pixel'
  /** 0–1 of the image size */
  | 'norm1'
  /** 0–1000 (InternVL, Qwen2-VL, Qwen3-VL) */
  | 'norm1000'
  /** 0–999 (Qwen-VL v1 evaluation) */
  | 'norm999'
  /** 0–100 (Molmo) */
  | 'percent'
  /** absolute pixels of Qwen2.5-VL's smart-resized image */
  | 'qwen25'
  /** absolute pixels of the record's own resized frame (RoboInter new_w/new_h) */
  | 'resized';

export const CONVENTIONS: Convention[] = ['pixel', 'norm1', 'norm1000', 'norm999', 'percent', 'qwen25', 'resized'];

export interface ShapeSource {
  /** index of the turn the text came from (NormalizedRecord.turns) */
  turn?: number;
  /** structured field the shape came from (dotted JSON path) */
  field?: string;
  /** character offsets of the shape's text inside the turn's text */
  start?: number;
  end?: number;
  /** the text the numbers were read from */
  text: string;
}

export interface RawShape {
  kind: ShapeKind;
  role: ShapeRole;
  label?: string;
  /** box: [x1, y1, x2, y2] (xyxy; see `xywh`); point: [x, y]; trajectory: [[x, y], …] */
  values: number[] | number[][];
  /** the box was written as x, y, width, height (COCO) */
  xywh?: boolean;
  source: ShapeSource;
  /** which reader found it (for the user: "Qwen2-VL box tokens", "RoboInter JSON"…) */
  parser: string;
  /** the convention the format itself implies, when that is unambiguous */
  implied?: Convention;
  /** shapes sharing a group (two contact points of one grasp) are linked when drawn */
  group?: string;
  /** the view (camera) of a multi-image record the shape belongs to (DriveLM `CAM_BACK`) */
  view?: string;
}

/** A driving trajectory in the ego (bird's-eye) frame: not image coordinates. */
export interface EgoTrajectory {
  role: ShapeRole;
  label?: string;
  /** (x forward, y left, heading rad) per waypoint */
  poses: Array<[number, number, number]>;
  source: ShapeSource;
}

export interface RecordGeometryRaw {
  shapes: RawShape[];
  ego: EgoTrajectory[];
}

export interface Size {
  width: number;
  height: number;
}

/** How a convention was chosen, shown to the user. */
export interface ConventionChoice {
  convention: Convention;
  source: 'override' | 'setting' | 'run' | 'format' | 'auto';
  reason: string;
}

/** A shape converted to pixels of the original image (as displayed, after EXIF orientation). */
export interface PixelShape {
  kind: ShapeKind;
  role: ShapeRole;
  label?: string;
  /** box: [x1, y1, x2, y2]; point: [x, y]; trajectory: [[x, y], …] */
  pixels: number[] | number[][];
  convention: Convention;
  conventionSource: ConventionChoice['source'];
  source: ShapeSource;
  parser: string;
  group?: string;
  /** the view (camera) the shape belongs to, when the record has several */
  view?: string;
  /** problems found after conversion: outside the image, inverted, zero area */
  flags: string[];
}

export type { JsonPath };
