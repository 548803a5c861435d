/**
 * A Parquet dataset is validated through its JSON Lines conversion (one row per line, in row
 * order: core/query/parquetExport). Positions inside those lines mean nothing in the Parquet
 * file, so its problems are placed on rows: line = the row (0-based, shown 1-based), column 0,
 * and no text fix (there is no text to edit).
 */
import { formatMessage } from './rules';
import type { Problem } from './validator';

export function asRowProblems(problems: readonly Problem[]): Problem[] {
  return problems.map((p) => {
    const { fix: _text, ...rest } = p;
    // the first use of a duplicate id is a row too (its line in the conversion is its row)
    const words = p.messageId === 'duplicateId' ? { messageId: 'duplicateIdRow' as const, message: formatMessage('duplicateIdRow', p.args) } : {};
    return {
      ...rest,
      ...words,
      line: p.record,
      column: 0,
      endLine: p.record,
      endColumn: 0,
      offset: 0,
      length: 0,
      related: p.related?.map((r) => ({ ...r, column: 0 })),
    };
  });
}
