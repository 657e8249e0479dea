/**
 * Places resolved rules in the rule tree and rejects the combinations OPA
 * rejects at compile time: a path that is both a complete document and a set
 * or object of other rules, functions mixed with documents, several defaults,
 * and function definitions of different arity.
 */
import { RegoError } from '../errors.js';
import { DocNode } from '../eval/tree.js';
import type { Value } from '../value/value.js';
import type { RRule, RT } from './ir.js';

export interface Placement {
  rule: RRule;
  node: DocNode;
}

function staticPath(r: RRule): Value[] {
  return r.ref
    .slice(0, r.staticLen)
    .map((p) => (typeof p === 'string' ? p : (p as Extract<RT, { k: 'const' }>).v));
}

interface NodeInfo {
  complete: number;
  multi: number;
  ref: number;
  func: number;
  defaults: number;
  arity: number | undefined;
}

/** packages: every module's package path, so an empty package is an empty object. */
export function buildTree(
  rules: RRule[],
  packages: string[][] = [],
): { root: DocNode; placements: Placement[] } {
  const root = new DocNode(null, []);
  for (const pkg of packages) {
    let n = root;
    for (const p of pkg) n = n.ensureChild(p);
  }
  const info = new Map<DocNode, NodeInfo>();
  const placements: Placement[] = [];
  for (const r of rules) {
    let node = root;
    for (const p of staticPath(r)) node = node.ensureChild(p);
    let ni = info.get(node);
    if (!ni) {
      ni = { complete: 0, multi: 0, ref: 0, func: 0, defaults: 0, arity: undefined };
      info.set(node, ni);
    }
    const conflict = (msg: string): never => {
      throw RegoError.one('rego_type_error', msg, r.loc);
    };
    if (r.kind === 'func') {
      const arity = r.args?.length ?? 0;
      if (ni.arity !== undefined && ni.arity !== arity) {
        conflict(`conflicting rules ${node.name} found: functions must have the same arity`);
      }
      ni.arity = arity;
      ni.func++;
      node.plannedFunc = true;
    } else if (r.staticLen === r.ref.length) {
      if (r.kind === 'single') ni.complete++;
      else ni.multi++;
    } else ni.ref++;
    if (r.isDefault) {
      ni.defaults++;
      if (ni.defaults > 1) conflict(`multiple default rules ${node.name} found`);
    }
    node.planned = true;
    placements.push({ rule: r, node });
  }
  for (const [node, ni] of info) {
    const kinds = [ni.complete > 0, ni.multi > 0, ni.func > 0].filter(Boolean).length;
    const hasChildren = node.children.size > 0 || ni.ref > 0;
    if (kinds > 1 || ((ni.complete > 0 || ni.multi > 0 || ni.func > 0) && hasChildren)) {
      const at = placements.find((p) => p.node === node)?.rule.loc;
      throw RegoError.one('rego_type_error', `conflicting rules ${node.name} found`, at);
    }
  }
  return { root, placements };
}
