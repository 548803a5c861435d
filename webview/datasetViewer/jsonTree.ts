/**
 * A record no format descriptor knows is still shown: its JSON as a collapsible tree of
 * fields. This module builds the tree as plain data (tested in Node); the detail pane renders
 * it as text. Bounded: at most `budget` nodes; longer lists and objects say how many more.
 */
export interface TreeNode {
  key: string;
  /** 'object' | 'array' for branches; the JSON type for leaves */
  type: 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';
  /** a leaf's value as text (strings quoted), or a branch's summary ("{3}", "[12]") */
  text: string;
  children?: TreeNode[];
  /** children not built (over the budget) */
  more?: number;
}

const LEAF_CHARS = 500;

export function jsonTree(value: unknown, budget = 2000): TreeNode {
  let left = budget;
  const build = (key: string, v: unknown): TreeNode => {
    left--;
    if (v === null) return { key, type: 'null', text: 'null' };
    if (Array.isArray(v) || typeof v === 'object') {
      const entries: Array<[string, unknown]> = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v as Record<string, unknown>);
      const node: TreeNode = { key, type: Array.isArray(v) ? 'array' : 'object', text: Array.isArray(v) ? `[${entries.length}]` : `{${entries.length}}`, children: [] };
      for (const [k, x] of entries) {
        if (left <= 0) {
          node.more = entries.length - (node.children?.length ?? 0);
          break;
        }
        node.children?.push(build(k, x));
      }
      return node;
    }
    if (typeof v === 'string') return { key, type: 'string', text: JSON.stringify(v.length > LEAF_CHARS ? `${v.slice(0, LEAF_CHARS)}…` : v) };
    if (typeof v === 'number') return { key, type: 'number', text: String(v) };
    if (typeof v === 'boolean') return { key, type: 'boolean', text: String(v) };
    return { key, type: 'null', text: 'null' };
  };
  return build('', value);
}
