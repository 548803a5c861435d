/**
 * The Eval panel's state apart from its DOM (Node-tested): the samples table's query (order,
 * a histogram bin, a text filter) with a generation so that a page answered for an older query
 * is dropped, which run the comparison is with (the host's proposal applied once, the user's
 * own choice kept after it), and the compared rows filtered and sorted by gain.
 */
import type { CompareView, SampleOrderView, SamplesQuery } from '../../src/protocol/evalPanel';

export class SamplesQueryState {
  order: SampleOrderView = 'worst';
  bin: [number, number] | undefined;
  text = '';
  private gen = 0;

  /** A new query (order, bin or text changed, another run): answers to the older ones are dropped. */
  bump(): number {
    return ++this.gen;
  }

  get generation(): number {
    return this.gen;
  }

  isCurrent(generation: number): boolean {
    return generation === this.gen;
  }

  params(runId: string, start: number, count: number): SamplesQuery {
    return { runId, start, count, order: this.order, range: this.bin, text: this.text || undefined };
  }
}

/**
 * The run to compare with, among `others` (same profile and task): the host's proposal when it
 * is new, else the user's choice while it is still there, else the first.
 */
export function chooseCompare(others: Array<{ id: string }>, o: { current?: string; proposed?: string; lastProposal?: string }): { compareWith?: string; lastProposal?: string } {
  let current = o.current;
  if (o.proposed && o.proposed !== o.lastProposal && others.some((r) => r.id === o.proposed)) current = o.proposed;
  if (!current || !others.some((r) => r.id === current)) current = others[0]?.id;
  return { compareWith: current, lastProposal: o.proposed };
}

/** The compared rows shown: all, or those that got better or worse; by gain (a missing delta last when descending). */
export function compareRows(c: Pick<CompareView, 'rows' | 'higherIsBetter'>, filter: 'all' | 'better' | 'worse', descending: boolean): CompareView['rows'] {
  const rows = c.rows.filter((r) => filter === 'all' || r.change === filter);
  const gain = (r: (typeof rows)[number]) => (r.delta === undefined ? -Infinity : c.higherIsBetter ? r.delta : -r.delta);
  return rows.sort((x, y) => (descending ? gain(y) - gain(x) : gain(x) - gain(y)));
}
