/** walk (a relation: it yields one [path, value] per node), graph.reachable and graph.reachable_paths. */
import type { Ctx } from '../eval/ctx.js';
import { RObject, RSet, type Value } from '../value/value.js';
import { type BuiltinDef, def, obj, operandError } from './types.js';

/** Every [path, value] of a document, parents before children, keys in order. */
export function walkPairs(ctx: Ctx, root: Value): Value[] {
  const out: Value[] = [];
  const visit = (path: Value[], v: Value): void => {
    ctx.tick();
    out.push([path.slice(), v]);
    if (Array.isArray(v)) for (const [i, x] of v.entries()) visit([...path, i], x);
    else if (v instanceof RObject) for (const k of v.keys()) visit([...path, k], v.get(k) as Value);
    else if (v instanceof RSet) for (const e of v.sorted()) visit([...path, e], e);
  };
  visit([], root);
  return out;
}

function vertices(v: Value | undefined): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return v.sorted();
  return [];
}

export const GRAPH: BuiltinDef[] = [
  def('walk', 1, (a, ctx) => walkPairs(ctx, a[0] as Value), { relation: true }),
  def('graph.reachable', 2, (a) => {
    const g = obj(a, 0);
    const init = a[1] as Value;
    if (!Array.isArray(init) && !(init instanceof RSet)) throw operandError(2, 'one of {array, set}', init);
    const reached = new RSet();
    const queue = [...vertices(init)];
    while (queue.length > 0) {
      const node = queue.shift() as Value;
      const edges = g.get(node);
      if (edges === undefined) continue;
      if (!reached.add(node)) continue;
      for (const n of vertices(edges)) if (!reached.has(n)) queue.push(n);
    }
    return reached;
  }),
  def('graph.reachable_paths', 2, (a) => {
    const g = obj(a, 0);
    const init = a[1] as Value;
    if (!Array.isArray(init) && !(init instanceof RSet)) throw operandError(2, 'one of {array, set}', init);
    const out = new RSet();
    const build = (node: Value, path: Value[], seen: RSet): void => {
      const edges = g.get(node);
      if (edges === undefined) {
        if (path.length > 1) out.add(path.slice(0, -1));
        return;
      }
      const ns = vertices(edges);
      if (ns.length === 0) {
        out.add(path);
        return;
      }
      for (const n of ns) {
        if (seen.has(n)) out.add(path);
        else {
          const next = RSet.of(seen.sorted());
          next.add(node);
          build(n, [...path, n], next);
        }
      }
    };
    for (const s of vertices(init)) build(s, [s], new RSet());
    return out;
  }),
];
