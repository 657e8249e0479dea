/**
 * The rule tree: one node per path under `data` that rules define. A node's
 * document is its complete rules' value, its multi-value rules' set, or else an
 * object built from its children and from rules whose head refs carry
 * variables below it — merged with base data at the same path.
 */
import { formatValue } from '../value/format.js';
import { keyOf, type Value } from '../value/value.js';
import type { CRule } from './types.js';

export function nodeKey(v: Value): string {
  return typeof v === 'string' ? v : `\u0000${keyOf(v)}`;
}

export class DocNode {
  readonly children = new Map<string, DocNode>();
  complete: CRule[] = [];
  defaultRule: CRule | null = null;
  multi: CRule[] = [];
  /** Rules whose head ref continues below this node with variables (`p[x] := v`). */
  refRules: CRule[] = [];
  funcs: CRule[] = [];
  defaultFunc: CRule | null = null;
  /** All complete rules give this same constant: evaluation may stop at the first that holds. */
  sharedConst: Value | undefined;
  /** Rules will attach here (set while the tree is built, before rules are compiled). */
  planned = false;
  plannedFunc = false;
  readonly name: string;

  constructor(
    readonly key: Value,
    readonly path: Value[],
  ) {
    this.name =
      path.length === 0
        ? 'data'
        : `data${path.map((p) => (typeof p === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(p) ? `.${p}` : `[${formatValue(p)}]`)).join('')}`;
  }

  child(key: Value): DocNode | undefined {
    return this.children.get(nodeKey(key));
  }

  ensureChild(key: Value): DocNode {
    const k = nodeKey(key);
    let c = this.children.get(k);
    if (!c) {
      c = new DocNode(key, [...this.path, key]);
      this.children.set(k, c);
    }
    return c;
  }

  /** The node itself defines a document by rules (as opposed to only grouping children). */
  get hasOwnRules(): boolean {
    return (
      this.planned ||
      this.complete.length > 0 ||
      this.defaultRule !== null ||
      this.multi.length > 0 ||
      this.refRules.length > 0 ||
      this.funcs.length > 0 ||
      this.defaultFunc !== null
    );
  }

  get isFunction(): boolean {
    return this.plannedFunc || this.funcs.length > 0 || this.defaultFunc !== null;
  }

  /** Walks a ground path from this node; undefined where the tree ends. */
  find(path: Value[]): DocNode | undefined {
    let n: DocNode | undefined = this;
    for (const p of path) {
      n = n.child(p);
      if (!n) return undefined;
    }
    return n;
  }
}
