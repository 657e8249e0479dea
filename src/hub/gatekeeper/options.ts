/**
 * Options of the Gatekeeper feature: defaults → validation → a frozen object.
 * Unknown option names are rejected so a typo does not silently change policy.
 */
import { EdgewiseError } from '../../api/errors.js';

/** A kind to keep in `data.inventory`, as Gatekeeper's Config `spec.sync.syncOnly` names it. */
export interface SyncKind {
  group: string;
  version: string;
  kind: string;
}

export interface GatekeeperOptions {
  /**
   * What admission does when a constraint's policy runs past its evaluation budget:
   * `Fail` rejects the request (500), `Ignore` admits it with a Warning. Gatekeeper's
   * webhook is installed with `failurePolicy: Ignore`, so that is the default.
   * @default 'Ignore'
   */
  failurePolicy?: 'Fail' | 'Ignore';
  /**
   * Evaluation budget per constraint and object: steps (expressions and iterations)
   * and wall-clock milliseconds, whichever runs out first.
   * @default { maxSteps: 1_000_000, timeoutMs: 2_000 }
   */
  budget?: { maxSteps?: number; timeoutMs?: number };
  /** Seconds between audits of existing objects; 0 turns periodic audit off. @default 60 */
  auditIntervalSeconds?: number;
  /** Violations kept in each constraint's `status.violations` (Gatekeeper's --constraint-violations-limit). @default 20 */
  violationsLimit?: number;
  /** Namespaces admission never evaluates (Gatekeeper's --exempt-namespace). @default [] */
  exemptNamespaces?: string[];
  /**
   * Kinds always kept in `data.inventory`, besides those templates ask for in their
   * `metadata.gatekeeper.sh/requires-sync-data` annotation. @default []
   */
  sync?: SyncKind[];
  /** Serve Gatekeeper's validating webhook (`POST /v1/admit`, AdmissionReview in and out). @default true */
  webhook?: boolean;
  /** Clock for audit timestamps. @default the hub's clock */
  now?: () => Date;
}

export interface ResolvedGatekeeperOptions {
  readonly failurePolicy: 'Fail' | 'Ignore';
  readonly budget: { readonly maxSteps: number; readonly timeoutMs: number };
  readonly auditIntervalSeconds: number;
  readonly violationsLimit: number;
  readonly exemptNamespaces: readonly string[];
  readonly sync: readonly SyncKind[];
  readonly webhook: boolean;
  readonly now: (() => Date) | undefined;
}

const KNOWN = new Set([
  'failurePolicy',
  'budget',
  'auditIntervalSeconds',
  'violationsLimit',
  'exemptNamespaces',
  'sync',
  'webhook',
  'now',
]);

function bad(message: string): EdgewiseError {
  return new EdgewiseError('EW_BAD_REQUEST', `gatekeeper options: ${message}`);
}

function nonNegative(value: number, name: string, integer = false): number {
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value)))
    throw bad(`${name} must be a non-negative ${integer ? 'integer' : 'number'}, not ${String(value)}`);
  return value;
}

export function resolveOptions(options: GatekeeperOptions = {}): ResolvedGatekeeperOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw bad(`unknown option "${key}"; known: ${[...KNOWN].join(', ')}`);
  }
  const failurePolicy = options.failurePolicy ?? 'Ignore';
  if (failurePolicy !== 'Fail' && failurePolicy !== 'Ignore')
    throw bad(`failurePolicy must be "Fail" or "Ignore", not "${String(failurePolicy)}"`);
  const maxSteps = nonNegative(options.budget?.maxSteps ?? 1_000_000, 'budget.maxSteps', true);
  if (maxSteps === 0) throw bad('budget.maxSteps must be at least 1');
  const timeoutMs = nonNegative(options.budget?.timeoutMs ?? 2_000, 'budget.timeoutMs');
  const sync = (options.sync ?? []).map((k, i) => {
    if (typeof k?.kind !== 'string' || typeof k.version !== 'string' || typeof k.group !== 'string')
      throw bad(`sync[${i}] needs group, version and kind`);
    return Object.freeze({ group: k.group, version: k.version, kind: k.kind });
  });
  return Object.freeze({
    failurePolicy,
    budget: Object.freeze({ maxSteps, timeoutMs }),
    auditIntervalSeconds: nonNegative(options.auditIntervalSeconds ?? 60, 'auditIntervalSeconds'),
    violationsLimit: nonNegative(options.violationsLimit ?? 20, 'violationsLimit', true),
    exemptNamespaces: Object.freeze([...(options.exemptNamespaces ?? [])]),
    sync: Object.freeze(sync),
    webhook: options.webhook ?? true,
    now: options.now,
  });
}
