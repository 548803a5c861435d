/**
 * Messages between the host and the "VLM Lens: Eval" panel (webview/evalPanel). Plain,
 * already-shaped data: the webview draws it, the host computes it.
 */
import type { BarGroup, CompareRow, Comparison, ErrorCurve } from '../core/eval/shaping';
import type { MetricsFileView } from '../core/eval/metricsFile';
import type { PdmComparison } from '../core/eval/trainingLogs';
import type { RunStatus } from '../core/eval/runs';

export type { BarGroup, ErrorCurve, MetricsFileView };

export interface MetricView {
  task?: string;
  name: string;
  value: number;
  /** "computed" (from predictions) or where the output said it */
  source: string;
}

export interface RunView {
  id: string;
  label: string;
  profile: string;
  checkpointName: string;
  step?: number;
  task?: string;
  status: RunStatus;
  startedAt?: string;
  /** when it started (or was queued), short local date and time: tells two runs of one checkpoint apart */
  when: string;
  /** a skipped run: why (the script evaluated nothing; the results are an earlier run's) */
  reused?: string;
  /** a Slurm run: its job, where it stands or how it ended, and its sbatch options */
  slurm?: string;
  durationMs?: number;
  exitCode?: number;
  failure?: string;
  stderrTail?: string[];
  samples?: number;
  errors: string[];
  metrics: MetricView[];
  /** per computed result: samples, unscored, unparsed, notes */
  counts: Array<{ task?: string; samples: number; unscored: number; unparsed: number; notes: string[]; kind: string; convention?: string; confusion?: { classes: number[]; matrix: number[][] } }>;
  progress?: { percent: number; n: number; total: number };
  /** the metric the charts use, its direction */
  primary?: string;
  higherIsBetter: boolean;
  hasSamples: boolean;
  predictionsFile?: string;
}

export interface HistogramView {
  metric: string;
  bins: Array<{ from: number; to: number; count: number }>;
  skipped: number;
}

export interface SeriesView {
  profile: string;
  task?: string;
  metric: string;
  higherIsBetter: boolean;
  points: Array<{ runId: string; step?: number; label: string; value: number }>;
}

/** The per-task bar chart: the runs in it, and the runs that can be ticked. */
export interface BarsView {
  groups: BarGroup[];
  chosen: string[];
  candidates: Array<{ id: string; checkpointName: string; step?: number; task?: string }>;
  /** candidates beyond the ones listed (older runs) */
  moreCandidates: number;
}

/** How per-sample errors of a trajectory (or point) run are distributed. */
export interface TrajectoryView {
  /** unit of the errors, e.g. "px" */
  unit: string;
  curves: ErrorCurve[];
}

/** A log / results / trainer_state file shown with "Show Metrics in VLM Lens". */
export interface MetricsFileState {
  /** `file:` + its path: what `selected` is when it is shown */
  id: string;
  path: string;
  name: string;
  view: MetricsFileView;
  /** the file's metrics as bars (logs and results files) */
  bars: BarGroup[];
  readAt: string;
  /** the file changed on disk and could not be read again */
  stale?: string;
}

export interface PanelState {
  runs: RunView[];
  /** a run id, or a file's id (`file:…`) */
  selected?: string;
  /** the user picked an older run: the panel stays on it when a new run starts (else it follows the newest) */
  pinned: boolean;
  /** a run the host proposes to compare the selected one with (Compare With…) */
  compareWith?: string;
  histogram?: HistogramView;
  series?: SeriesView;
  bars?: BarsView;
  trajectory?: TrajectoryView;
  /** files opened with "Show Metrics in VLM Lens", newest first */
  files: Array<{ id: string; name: string; path: string }>;
  /** the selected file */
  file?: MetricsFileState;
  /** other shown files whose curves are drawn over the selected file's (one colour per file) */
  overlays?: Array<{ id: string; name: string; curves: MetricsFileView['curves'] }>;
  /** the selected PDM file against another one, scene by scene */
  pdmCompare?: { other: string; otherName: string } & PdmComparison;
}

export interface SampleRowView {
  /** position in the run's samples (what openSample takes) */
  index: number;
  line?: number;
  id?: string;
  score?: number;
  pred: string;
  gt: string;
  note?: string;
}

export type SampleOrderView = 'worst' | 'best' | 'file';

export interface SamplesQuery {
  runId: string;
  start: number;
  count: number;
  order: SampleOrderView;
  /** only scores in [from, to] (a histogram bin) */
  range?: [number, number];
  /** substring of the id, pred or gt */
  text?: string;
}

/** One sample in a comparison of two runs (shaped by src/core/eval/shaping.ts). */
export type CompareRowView = CompareRow;

/** Two runs compared (run ids `a` → `b`), in `metric`'s direction. */
export interface CompareView extends Comparison {
  a: string;
  b: string;
  metric: string;
  higherIsBetter: boolean;
}

export interface EvalPanelStrings {
  [key: string]: string;
}

/** Requests the webview sends (the host answers). */
export type EvalPanelRequests = {
  ready: { params: Record<string, never>; result: { strings: EvalPanelStrings; state: PanelState } };
  samples: { params: SamplesQuery; result: { total: number; rows: SampleRowView[] } };
  compare: { params: { a: string; b: string }; result: CompareView | { error: string } };
};

/** Notifications the webview sends. */
export type EvalPanelCommands = {
  select: { runId: string };
  /** stop staying on the picked run: show the newest and follow new ones */
  followNewest: Record<string, never>;
  openSample: { runId: string; index: number };
  openLog: { runId: string };
  exportSamples: { runId: string; order: SampleOrderView };
  exportCompare: { a: string; b: string };
  savePng: { name: string; dataUrl: string };
  /** the runs in the per-task bar chart */
  setBarRuns: { ids: string[] };
  /** open a file (a log, a results file) in the editor */
  openFile: { path: string };
  /** save a shown file's metrics as CSV */
  exportFileMetrics: { id: string };
  /** forget a file shown with "Show Metrics in VLM Lens" */
  closeFile: { id: string };
  /** draw these shown files' curves over the selected file's */
  setOverlays: { ids: string[] };
};

/** Notifications the host sends. */
export type EvalPanelEvents = {
  state: PanelState;
};
