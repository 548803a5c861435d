/**
 * Classification scoring: class ids predicted against class ids labelled (a reward
 * classifier's bins, any `pred` / `label` file of class ids). Accuracy, per-class precision
 * and recall, a confusion matrix (rows = label, columns = prediction), and for ordinal classes
 * (bins) the accuracy within one class. A precision of a class never predicted is absent, not
 * 0: a number is given only where there is something to divide.
 */

export interface ClassStats {
  cls: number;
  /** frames labelled this class */
  support: number;
  /** frames predicted as this class */
  predicted: number;
  correct: number;
  precision?: number;
  recall?: number;
  f1?: number;
}

export interface ClassificationReport {
  /** the classes, ascending: the rows and columns of the matrix */
  classes: number[];
  /** matrix[i][j]: samples labelled classes[i] predicted classes[j] */
  matrix: number[][];
  perClass: ClassStats[];
  scored: number;
  accuracy?: number;
  /** |pred − label| ≤ 1, for ordinal classes (bins) */
  offByOne?: number;
  /** the mean of the per-class F1 over classes that have an F1 */
  macroF1?: number;
}

/** A class id: a non-negative integer (or such a string, or `<answer>3</answer>`); undefined otherwise. */
export function classId(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(?:<answer>\s*)?(?:class\s*)?(\d{1,9})\s*(?:<\/answer>)?\s*$/i.exec(v);
  return m ? Number(m[1]) : undefined;
}

/** The class of a probability (or logit) vector: its argmax; undefined when it is not a list of numbers. */
export function classOfScores(v: unknown): number | undefined {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) return undefined;
  let best = 0;
  for (let i = 1; i < v.length; i++) if ((v[i] as number) > (v[best] as number)) best = i;
  return best;
}

/** Scores (prediction, label) class pairs. `ordinal`: classes are ordered bins (off-by-one is given). */
export function classificationReport(pairs: Array<{ pred: number; label: number }>, opts: { ordinal?: boolean; classes?: number } = {}): ClassificationReport {
  const seen = new Set<number>();
  for (const p of pairs) {
    seen.add(p.pred);
    seen.add(p.label);
  }
  if (opts.classes) for (let c = 0; c < opts.classes; c++) seen.add(c);
  const classes = [...seen].sort((a, b) => a - b);
  const at = new Map(classes.map((c, i) => [c, i]));
  const matrix = classes.map(() => classes.map(() => 0));
  let correct = 0;
  let near = 0;
  for (const { pred, label } of pairs) {
    matrix[at.get(label) as number][at.get(pred) as number]++;
    if (pred === label) correct++;
    if (Math.abs(pred - label) <= 1) near++;
  }
  const perClass: ClassStats[] = classes.map((cls, i) => {
    const support = matrix[i].reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((a, row) => a + row[i], 0);
    const tp = matrix[i][i];
    const precision = predicted > 0 ? tp / predicted : undefined;
    const recall = support > 0 ? tp / support : undefined;
    const f1 = precision !== undefined && recall !== undefined ? (precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0) : undefined;
    return { cls, support, predicted, correct: tp, precision, recall, f1 };
  });
  const f1s = perClass.flatMap((c) => (c.f1 === undefined ? [] : [c.f1]));
  const n = pairs.length;
  return {
    classes,
    matrix,
    perClass,
    scored: n,
    accuracy: n > 0 ? correct / n : undefined,
    offByOne: opts.ordinal && n > 0 ? near / n : undefined,
    macroF1: f1s.length > 0 ? f1s.reduce((a, b) => a + b, 0) / f1s.length : undefined,
  };
}
