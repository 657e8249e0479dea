/**
 * Node affinity terms, compiled once per decision so matching a node is a few map
 * look-ups. Semantics follow Kubernetes' `nodeaffinity` package: terms are OR'ed,
 * the requirements inside a term AND'ed, and an empty term matches nothing.
 */
import type { NodeSelectorTerm } from '../../api/kinds/pod-spec.js';

type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

/** One requirement, ready to evaluate. */
export interface CompiledRequirement {
  readonly key: string;
  readonly operator: Operator | 'Invalid';
  readonly values: ReadonlySet<string>;
  /** The bound for Gt/Lt. */
  readonly bound: bigint;
  /** How the message names it: `kubernetes.io/arch in (arm64)`. */
  readonly text: string;
}

/** A compiled nodeSelectorTerm. */
export interface CompiledTerm {
  readonly labels: readonly CompiledRequirement[];
  /** matchFields; Kubernetes supports only `metadata.name` here. */
  readonly fields: readonly CompiledRequirement[];
}

const INTEGER = /^[+-]?\d+$/;

export function compileTerms(terms: readonly NodeSelectorTerm[]): CompiledTerm[] {
  return terms.map((term) => ({
    labels: (term.matchExpressions ?? []).map((r) => compileRequirement(r.key, r.operator, r.values ?? [])),
    // Only metadata.name with In/NotIn is a valid field requirement in Kubernetes.
    fields: (term.matchFields ?? []).map((r) =>
      r.key === 'metadata.name' && (r.operator === 'In' || r.operator === 'NotIn')
        ? compileRequirement(r.key, r.operator, r.values ?? [])
        : compileRequirement(r.key, 'Invalid', r.values ?? []),
    ),
  }));
}

function compileRequirement(key: string, operator: string, values: readonly string[]): CompiledRequirement {
  let op: Operator | 'Invalid' = 'Invalid';
  let bound = 0n;
  switch (operator) {
    case 'In':
    case 'NotIn':
    case 'Exists':
    case 'DoesNotExist':
      op = operator;
      break;
    case 'Gt':
    case 'Lt':
      // Kubernetes requires exactly one integer value; anything else never matches.
      if (values.length === 1 && INTEGER.test(values[0] ?? '')) {
        op = operator;
        bound = BigInt(values[0] as string);
      }
      break;
  }
  return { key, operator: op, values: new Set(values), bound, text: describe(key, operator, values) };
}

function describe(key: string, operator: string, values: readonly string[]): string {
  switch (operator) {
    case 'In':
      return `${key} in (${values.join(', ')})`;
    case 'NotIn':
      return `${key} not in (${values.join(', ')})`;
    case 'Exists':
      return `${key} exists`;
    case 'DoesNotExist':
      return `${key} does not exist`;
    case 'Gt':
      return `${key} > ${values.join(', ')}`;
    case 'Lt':
      return `${key} < ${values.join(', ')}`;
    default:
      return `${key} ${operator} (${values.join(', ')})`;
  }
}

/** True when the requirement holds for a value (undefined: the label is absent). */
function holds(r: CompiledRequirement, value: string | undefined): boolean {
  switch (r.operator) {
    case 'In':
      return value !== undefined && r.values.has(value);
    case 'NotIn':
      return value === undefined || !r.values.has(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || !INTEGER.test(value)) return false;
      const have = BigInt(value);
      return r.operator === 'Gt' ? have > r.bound : have < r.bound;
    }
    default:
      return false;
  }
}

/**
 * The first requirement of `term` the node fails, `null` for an empty term (which
 * matches nothing), or undefined when the node matches.
 */
export function failingRequirement(
  term: CompiledTerm,
  nodeName: string,
  labels: ReadonlyMap<string, string>,
): CompiledRequirement | null | undefined {
  if (term.labels.length === 0 && term.fields.length === 0) return null;
  for (const r of term.labels) {
    if (!holds(r, labels.get(r.key))) return r;
  }
  for (const r of term.fields) {
    if (!holds(r, nodeName)) return r;
  }
  return undefined;
}

export function matchesTerm(
  term: CompiledTerm,
  nodeName: string,
  labels: ReadonlyMap<string, string>,
): boolean {
  return failingRequirement(term, nodeName, labels) === undefined;
}

/** True when the node matches at least one term (the required-affinity rule). */
export function matchesAnyTerm(
  terms: readonly CompiledTerm[],
  nodeName: string,
  labels: ReadonlyMap<string, string>,
): boolean {
  for (const term of terms) {
    if (matchesTerm(term, nodeName, labels)) return true;
  }
  return false;
}
