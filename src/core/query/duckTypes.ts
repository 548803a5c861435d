/** DuckDB's type strings, parsed (for completion paths and field statistics). */
export interface TypeNode {
  kind: 'scalar' | 'struct' | 'list' | 'map';
  name?: string;
  fields?: Array<{ name: string; type: TypeNode }>;
  of?: TypeNode;
}

/** Parses a DuckDB type string (`STRUCT("from" VARCHAR, "value" VARCHAR)[]`). */
export function parseDuckType(s: string): TypeNode {
  let i = 0;
  const ws = () => {
    while (i < s.length && s[i] === ' ') i++;
  };
  const ident = (): string => {
    ws();
    if (s[i] === '"') {
      let out = '';
      i++;
      while (i < s.length) {
        if (s[i] === '"' && s[i + 1] === '"') {
          out += '"';
          i += 2;
        } else if (s[i] === '"') {
          i++;
          break;
        } else out += s[i++];
      }
      return out;
    }
    const m = /^[^\s,()"[\]]+/.exec(s.slice(i));
    i += m ? m[0].length : 0;
    return m ? m[0] : '';
  };
  const type = (): TypeNode => {
    ws();
    let node: TypeNode;
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i))?.[0] ?? '';
    i += word.length;
    ws();
    if (/^STRUCT$/i.test(word) && s[i] === '(') {
      i++;
      const fields: Array<{ name: string; type: TypeNode }> = [];
      while (i < s.length && s[i] !== ')') {
        const name = ident();
        const t = type();
        fields.push({ name, type: t });
        ws();
        if (s[i] === ',') i++;
      }
      i++;
      node = { kind: 'struct', fields };
    } else if (/^MAP$/i.test(word) && s[i] === '(') {
      let depth = 0;
      do {
        if (s[i] === '(') depth++;
        else if (s[i] === ')') depth--;
        i++;
      } while (i < s.length && depth > 0);
      node = { kind: 'map', name: 'MAP' };
    } else {
      // DECIMAL(18,3) and the like
      if (s[i] === '(') {
        while (i < s.length && s[i] !== ')') i++;
        i++;
      }
      node = { kind: 'scalar', name: word.toUpperCase() };
    }
    ws();
    while (s[i] === '[') {
      while (i < s.length && s[i] !== ']') i++;
      i++;
      node = { kind: 'list', of: node };
      ws();
    }
    return node;
  };
  return type();
}

/**
 * A type as people read it: number, text, boolean, struct, map, json (mixed types), list
 * (`list of …` with `deep`: the completion list says what a list holds).
 */
export function typeLabel(t: TypeNode, deep = false): string {
  if (t.kind === 'struct') return 'struct';
  if (t.kind === 'list') return deep ? `list of ${t.of ? typeLabel(t.of, true) : '?'}` : 'list';
  if (t.kind === 'map') return 'map';
  const n = t.name ?? '?';
  if (/INT|DECIMAL|DOUBLE|FLOAT|REAL/.test(n)) return 'number';
  if (n === 'VARCHAR') return 'text';
  if (n === 'BOOLEAN') return 'boolean';
  if (n === 'JSON') return 'json (mixed types)';
  return n.toLowerCase();
}

/** A field name as SQL takes it: bare when it is a plain identifier, else double-quoted. */
export function quoteIfNeeded(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
