/**
 * Messages between the host and the LeRobot view (webview/lerobot): a dataset's overview, one
 * episode at a time (its frames' signals and labels, its camera videos), label balance, and a
 * classifier's predictions. Plain data; the webview draws it.
 */
import type { ClassificationReport } from '../core/eval/classification';
import type { FramePrediction, LabelBalance, LeRobotDatasetView, LeRobotEpisodeRow, LeRobotStatRow, PredictionsView } from '../core/lerobot/viewTypes';

export type { ClassificationReport, FramePrediction, LabelBalance, LeRobotDatasetView, LeRobotEpisodeRow, LeRobotStatRow, PredictionsView };

export interface CameraPane {
  key: string;
  /** the key without `observation.images.` */
  label: string;
  codec?: string;
  /** the episode's first frame in the file, seconds */
  from: number;
  /** the video file, relative to the dataset */
  file: string;
  status: 'ok' | 'missing' | 'outside';
  uri?: string;
  mime?: string;
  /** the file, relative to the dataset, or why it is not shown */
  message?: string;
}

export interface EpisodeView {
  episode: number;
  task?: string;
  rows: number;
  frameIndex: number[];
  /** seconds from the episode's start, per frame */
  timestamp: number[];
  signals: { key: string; names: string[]; values: number[][] }[];
  labels?: { key: string; rule: 'argmax' | 'value'; classes: number; values: number[]; bins?: number[][] };
  cameras: CameraPane[];
  problems: string[];
  framesNotRead: number;
}

export type LeRobotStrings = Record<string, string>;

export type LeRobotRequests = {
  ready: { params: Record<string, never>; result: { strings: LeRobotStrings; dataset: LeRobotDatasetView; position?: { episode: number; frame: number } } };
  episode: { params: { index: number }; result: EpisodeView };
  balance: { params: Record<string, never>; result: LabelBalance | null };
  /** per-feature statistics from the data files, for a dataset that ships none */
  computeStats: { params: Record<string, never>; result: { rows: LeRobotStatRow[]; filesRead: number } };
  /** asks the user for a prediction file and scores it; null when none was picked */
  loadPredictions: { params: Record<string, never>; result: PredictionsView | null };
};

export type LeRobotCommands = {
  /** the shown episode and frame, kept for the next time the view opens */
  position: { episode: number; frame: number };
  openFile: { relativePath: string };
};

export type LeRobotEvents = Record<string, never>;
