/**
 * The Rego syntax tree, shaped after OPA's: a module is a package, imports and
 * rules; a rule body is a list of expressions; terms are scalars, variables,
 * references, composites, comprehensions and calls. Operators are calls
 * (`a + b` is `plus(a, b)`, `a = b` is `eq(a, b)`), as in OPA.
 */
import type { RegoLocation } from '../errors.js';

export type Loc = RegoLocation;

export type Term =
  | { type: 'null'; loc: Loc }
  | { type: 'boolean'; value: boolean; loc: Loc }
  | { type: 'number'; value: number | bigint; loc: Loc }
  | { type: 'string'; value: string; loc: Loc }
  /** `_` is parsed as a fresh var named `$N`. */
  | { type: 'var'; name: string; loc: Loc }
  /** terms[0] is the head (var, composite or call); the rest are the path. */
  | { type: 'ref'; terms: Term[]; loc: Loc }
  | { type: 'array'; items: Term[]; loc: Loc }
  | { type: 'object'; entries: [Term, Term][]; loc: Loc }
  | { type: 'set'; items: Term[]; loc: Loc }
  | { type: 'arraycompr'; head: Term; body: Body; loc: Loc }
  | { type: 'setcompr'; head: Term; body: Body; loc: Loc }
  | { type: 'objectcompr'; key: Term; value: Term; body: Body; loc: Loc }
  /** op is the operator name as a dotted path ("plus", "data.lib.f", "strings.any_prefix_match"). */
  | { type: 'call'; op: Term; args: Term[]; loc: Loc };

export type TermOf<K extends Term['type']> = Extract<Term, { type: K }>;

export interface With {
  target: Term;
  value: Term;
  loc: Loc;
}

export type ExprBody =
  /** A plain term: holds when defined and not false. */
  | { kind: 'term'; term: Term }
  /** A call in expression position; operators `=`/`:=` are `eq`/`assign`. */
  | { kind: 'call'; op: Term; args: Term[] }
  /** `some x, y` declarations. */
  | { kind: 'some'; vars: Term[] }
  /** `some x in xs` / `some k, v in xs`. */
  | { kind: 'somein'; key: Term | undefined; value: Term; domain: Term }
  | { kind: 'every'; key: Term | undefined; value: Term; domain: Term; body: Body };

export interface Expr {
  body: ExprBody;
  negated: boolean;
  with: With[];
  loc: Loc;
  /** Source offsets [start, end) of the expression's text. */
  span?: [number, number];
}

export type Body = Expr[];

export interface RuleHead {
  /** Head reference; element 0 is the rule name (a var term), the rest its path. */
  ref: Term[];
  /** Function parameters, when the rule is a function. */
  args: Term[] | undefined;
  /** Element of a multi-value (partial set) rule. */
  key: Term | undefined;
  /** Value of a single-value rule or function. */
  value: Term | undefined;
  /** Written with `:=`. */
  assign: boolean;
  /** The value was implied (`p if ...` means `p := true`). */
  generatedValue: boolean;
  /** Rule written with `contains`. */
  contains: boolean;
  loc: Loc;
}

export interface Rule {
  default: boolean;
  head: RuleHead;
  body: Body;
  else: Rule | undefined;
  loc: Loc;
  /** The body was omitted in the source (`p := 1`). */
  generatedBody: boolean;
}

export interface Import {
  /** Full path: ["data", "lib", "x"] or ["input", ...], ["future", "keywords", "in"], ["rego", "v1"]. */
  path: string[];
  alias: string | undefined;
  loc: Loc;
}

export type RegoVersion = 'v0' | 'v1';

export interface Module {
  file: string;
  /** Package path without the leading "data". */
  pkg: string[];
  pkgLoc: Loc;
  imports: Import[];
  rules: Rule[];
  regoVersion: RegoVersion;
}

export function termLoc(t: Term): Loc {
  return t.loc;
}

/** Dotted name of a ref made only of a var head and string keys ("data.x.y"), or undefined. */
export function refToName(t: Term): string | undefined {
  if (t.type === 'var') return t.name;
  if (t.type !== 'ref') return undefined;
  const head = t.terms[0];
  if (head?.type !== 'var') return undefined;
  let s = head.name;
  for (let i = 1; i < t.terms.length; i++) {
    const p = t.terms[i] as Term;
    if (p.type !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p.value)) return undefined;
    s += `.${p.value}`;
  }
  return s;
}

export function isWildcard(name: string): boolean {
  return name.startsWith('$');
}
