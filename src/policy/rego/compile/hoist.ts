/**
 * OPA evaluates the dynamic parts of a negated expression before the
 * negation: `not f(input.x)` runs as `t := input.x; not f(t)`, so an
 * undefined `input.x` makes the body fail instead of making `not` succeed
 * (OPA's RewriteExprTerms and RewriteDynamicTerms stages; see OPA issues
 * 1877 and 4743). Gatekeeper's templates rely on it. This pass does the same:
 * references, calls and comprehensions in a negated call's arguments, and in
 * the brackets of a negated reference, move to positive expressions just
 * before it, with the same `with` modifiers.
 */
import type { RBody, RExpr, RRule, RT } from './ir.js';

export interface SlotTable {
  names: string[];
  owners: number[];
}

class Hoister {
  constructor(private readonly slots: SlotTable) {}

  private temp(scope: number, loc: RT['loc']): Extract<RT, { k: 'local' }> {
    this.slots.names.push('$hoist');
    this.slots.owners.push(scope);
    return { k: 'local', slot: this.slots.names.length - 1, name: '$hoist', loc };
  }

  body(b: RBody): void {
    const out: RExpr[] = [];
    for (const e of b.exprs) {
      this.closures(e);
      if (e.negated) out.push(...this.expr(e, b.scope));
      out.push(e);
    }
    b.exprs = out;
  }

  /** Recurses into comprehension and every bodies. */
  private closures(e: RExpr): void {
    const visit = (t: RT): void => {
      switch (t.k) {
        case 'arraycompr':
        case 'setcompr':
          this.body(t.body);
          visit(t.head);
          return;
        case 'objectcompr':
          this.body(t.body);
          visit(t.key);
          visit(t.value);
          return;
        case 'ref':
          visit(t.head);
          for (const p of t.path) visit(p);
          return;
        case 'array':
        case 'set':
          for (const x of t.items) visit(x);
          return;
        case 'object':
          for (const [a, c] of t.entries) {
            visit(a);
            visit(c);
          }
          return;
        case 'call':
          for (const a of t.args) visit(a);
          return;
        default:
          return;
      }
    };
    const b = e.e;
    if (b.k === 'term') visit(b.t);
    else if (b.k === 'call') for (const a of b.args) visit(a);
    else if (b.k === 'unify') {
      visit(b.a);
      visit(b.b);
    } else {
      visit(b.domain);
      if (b.k === 'every') this.body(b.body);
    }
  }

  /** Returns the expressions to run before e, rewriting e in place. */
  private expr(e: RExpr, scope: number): RExpr[] {
    const pre: RExpr[] = [];
    const hoist = (t: RT): RT => {
      const tmp = this.temp(scope, t.loc);
      pre.push({
        e: { k: 'unify', a: tmp, b: t, assign: true },
        negated: false,
        with: e.with,
        loc: t.loc,
        index: -1,
      });
      return tmp;
    };
    /** rewriteDynamicsOne: a dynamic term becomes a temporary; composites are walked. */
    const dynamic = (t: RT): RT => {
      switch (t.k) {
        case 'ref':
          return hoist({ ...t, path: t.path.map(dynamic) });
        case 'input':
        case 'data':
        case 'call':
        case 'arraycompr':
        case 'setcompr':
        case 'objectcompr':
          return hoist(t);
        case 'array':
          return { ...t, items: t.items.map(dynamic) };
        case 'set':
          return { ...t, items: t.items.map(dynamic) };
        case 'object':
          return { ...t, entries: t.entries.map(([k, v]) => [dynamic(k), dynamic(v)]) };
        default:
          return t;
      }
    };
    /** rewriteDynamicsInTerm: only what is nested inside the term moves out. */
    const nested = (t: RT): RT => {
      switch (t.k) {
        case 'ref':
          return { ...t, path: t.path.map(dynamic) };
        case 'array':
          return { ...t, items: t.items.map(nested) };
        case 'object':
          return { ...t, entries: t.entries.map(([k, v]) => [nested(k), nested(v)]) };
        case 'call':
          return { ...t, args: t.args.map(dynamic) };
        default:
          return t;
      }
    };
    const b = e.e;
    if (b.k === 'call') e.e = { ...b, args: b.args.map(dynamic) };
    else if (b.k === 'term') e.e = { k: 'term', t: nested(b.t) };
    else if (b.k === 'unify') e.e = { ...b, a: nested(b.a), b: nested(b.b) };
    return pre;
  }
}

/** Applies the rewrite to a rule and its else chain (they share one frame). */
export function hoistRule(rule: RRule): void {
  const slots: SlotTable = { names: rule.slotNames, owners: rule.slotOwners };
  const h = new Hoister(slots);
  for (let r: RRule | undefined = rule; r; r = r.else) h.body(r.body);
  for (let r: RRule | undefined = rule; r; r = r.else) r.slots = rule.slotNames.length;
}

/** Applies the rewrite to a query body; returns the new number of slots. */
export function hoistQuery(body: RBody, slots: SlotTable): number {
  new Hoister(slots).body(body);
  return slots.names.length;
}
