/**
 * The LeRobot view's data, as plain types (no Node modules reached from here: the webview
 * type-checks against them).
 */
import type { ClassificationReport } from '../eval/classification';

export interface LeRobotEpisodeRow {
  index: number;
  length: number;
  duration: number;
  tasks: string[];
  problems: string[];
}

export interface LeRobotStatRow {
  key: string;
  names: string[];
  min: number[];
  max: number[];
  mean: number[];
  count: number;
}

export interface LeRobotDatasetView {
  name: string;
  codebaseVersion: string;
  /** false: a layout VLM Lens does not read (its episodes are not listed) */
  readable: boolean;
  robotType?: string;
  fps: number;
  frames: number;
  episodes: LeRobotEpisodeRow[];
  episodesNotRead: number;
  tasks: { index: number; task: string }[];
  features: { key: string; dtype: string; shape: number[]; names?: string[] }[];
  cameras: { key: string; codec?: string; width?: number; height?: number }[];
  /** dataset-level problems, located */
  problems: string[];
  stats: LeRobotStatRow[];
  statsSource: 'episodes_stats.jsonl' | 'stats.json' | 'none';
  /** the feature frames are labelled by, when the dataset has one */
  label?: { key: string; rule: 'argmax' | 'value'; classes?: number };
}

export interface LabelBalance {
  key: string;
  classes: number;
  /** frames per class over the dataset */
  total: number[];
  perEpisode: { episode: number; counts: number[] }[];
  /** frames with no label (an empty or non-numeric bin vector) */
  unlabelled: number;
  /** episodes whose data file could not be read in the query */
  filesRead: number;
}

export interface FramePrediction {
  episode: number;
  frame: number;
  pred?: number;
  label?: number;
}

export interface PredictionsView {
  file: string;
  report?: ClassificationReport;
  metrics: Record<string, number>;
  samples: number;
  unscored: number;
  notes: string[];
  /** each scored frame: the cells of the confusion matrix filter these */
  frames: FramePrediction[];
  /** frames left out past the cap */
  framesNotShown: number;
}
