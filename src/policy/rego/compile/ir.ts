/**
 * The resolved form of rules, between the syntax tree and the closures that
 * run: every variable is a numbered slot of its rule's frame, every name is
 * resolved (local, input, data path, function or builtin), and ground
 * composites are folded into constants.
 */
import type { Loc } from '../syntax/ast.js';
import type { Value } from '../value/value.js';

export type FnTarget =
  | { kind: 'builtin'; name: string }
  /** A user function at a data path (without the leading "data"). */
  | { kind: 'func'; path: string[] };

export type RT =
  | { k: 'const'; v: Value; loc: Loc }
  | { k: 'local'; slot: number; name: string; loc: Loc }
  | { k: 'input'; loc: Loc }
  | { k: 'data'; loc: Loc }
  | { k: 'ref'; head: RT; path: RT[]; loc: Loc }
  | { k: 'array'; items: RT[]; loc: Loc }
  | { k: 'object'; entries: [RT, RT][]; loc: Loc }
  | { k: 'set'; items: RT[]; loc: Loc }
  | { k: 'arraycompr'; head: RT; body: RBody; loc: Loc }
  | { k: 'setcompr'; head: RT; body: RBody; loc: Loc }
  | { k: 'objectcompr'; key: RT; value: RT; body: RBody; loc: Loc }
  | { k: 'call'; fn: FnTarget; args: RT[]; loc: Loc };

export type RWithTarget =
  | { kind: 'input'; path: RT[] }
  | { kind: 'data'; path: string[] }
  | { kind: 'fn'; fn: FnTarget };

export interface RWith {
  target: RWithTarget;
  /** The replacement: a value, or a function/builtin when mocking a function. */
  value: RT;
  valueFn: FnTarget | undefined;
  loc: Loc;
}

export type RExprBody =
  | { k: 'term'; t: RT }
  | { k: 'call'; fn: FnTarget; args: RT[] }
  | { k: 'unify'; a: RT; b: RT; assign: boolean }
  | { k: 'somein'; key: RT | undefined; value: RT; domain: RT }
  | { k: 'every'; key: RT | undefined; value: RT; domain: RT; body: RBody };

export interface RExpr {
  e: RExprBody;
  negated: boolean;
  with: RWith[];
  loc: Loc;
  /** Slots bound before this expression runs (filled in by the safety pass). */
  bound?: Set<number>;
  /** Position in the source body (bodies are reordered for safety). */
  index: number;
}

export interface RBody {
  exprs: RExpr[];
  /** The scope that owns the body; closures refer to outer scopes' slots. */
  scope: number;
}

export type RuleKind = 'single' | 'multi' | 'func';

export interface RRule {
  kind: RuleKind;
  /** Full path from data (package path + head ref); dynamic parts are RT. */
  ref: (string | RT)[];
  /** Length of the ground prefix of ref (where the rule attaches in the tree). */
  staticLen: number;
  args: RT[] | undefined;
  /** Element (multi) or value (single, func). */
  value: RT;
  body: RBody;
  else: RRule | undefined;
  isDefault: boolean;
  /** Frame size: number of slots. */
  slots: number;
  slotNames: string[];
  /** Scope that owns each slot. */
  slotOwners: number[];
  loc: Loc;
  file: string;
}

/** Dotted name of a function target, as errors and `with` print it. */
export function fnName(fn: FnTarget): string {
  return fn.kind === 'builtin' ? fn.name : `data.${fn.path.join('.')}`;
}
