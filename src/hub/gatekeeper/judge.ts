/**
 * Evaluates the constraints that match a review, and turns their outcomes into
 * an admission decision the way Gatekeeper's webhook does: `deny` violations
 * reject (403, `[constraint] message` lines), `warn` violations become Warning
 * headers, `dryrun` is left to audit. A policy that runs past its budget is
 * decided by the failure policy; other evaluation errors reject, as Gatekeeper's
 * webhook answers them with an error.
 */
import { EdgewiseError, type StatusCause } from '../../api/errors.js';
import { namespaceType } from '../../api/kinds/core.js';
import { RegoError } from '../../policy/rego/index.js';
import type { Store } from '../../store/store.js';
import type { Constraint } from './constraint.js';
import { type EvaluationBudget, evaluateConstraint, reviewValue, type Violation } from './evaluate.js';
import type { Inventory } from './inventory.js';
import type { PolicyLibrary } from './library.js';
import { matchesObject, type NamespaceInfo } from './match.js';
import type { GatekeeperMetrics } from './metrics.js';
import { type EnforcementAction, WEBHOOK_NAME } from './names.js';
import type { ReviewSubject } from './review.js';
import type { CompiledTemplate } from './template.js';

export interface ConstraintOutcome {
  template: CompiledTemplate;
  constraint: Constraint;
  violations: Violation[];
  /** Set when evaluation failed; `budget` when it ran past its budget. */
  error?: { reason: 'budget' | 'error'; message: string };
}

export interface Decision {
  /** Thrown by admission when set: EW_ADMISSION_DENIED (403) or EW_POLICY_EVAL (500). */
  error: EdgewiseError | undefined;
  warnings: string[];
}

export interface JudgeOptions {
  library: PolicyLibrary;
  inventory: Inventory;
  store: Store;
  budget: EvaluationBudget;
  metrics: GatekeeperMetrics;
}

/** Looks namespaces up in the store; a namespace not created yet has no labels. */
export async function lookupNamespace(store: Store, name: string): Promise<NamespaceInfo> {
  const ns = await store.get({ resource: namespaceType.storage, namespace: '', name });
  return { name, labels: ns?.metadata.labels ?? {} };
}

export class Judge {
  readonly #o: JudgeOptions;

  constructor(options: JudgeOptions) {
    this.#o = options;
  }

  /** True when no constraint is in force (admission skips building a review). */
  get idle(): boolean {
    return this.#o.library.entries().length === 0;
  }

  /**
   * Evaluates every constraint with one of `actions` that matches the subject.
   * `namespaces` caches lookups across calls (audit); admission passes a fresh one.
   */
  async evaluate(
    subject: ReviewSubject,
    actions: ReadonlySet<EnforcementAction>,
    namespaces: Map<string, Promise<NamespaceInfo>> = new Map(),
  ): Promise<ConstraintOutcome[]> {
    const entries = this.#o.library.entries();
    const outcomes: ConstraintOutcome[] = [];
    const nsName = subject.namespace || subject.object.metadata.namespace || '';
    let ns: NamespaceInfo | undefined = nsName ? { name: nsName, labels: {} } : undefined;
    let nsLoaded = false;
    let review: ReturnType<typeof reviewValue> | undefined;
    for (const { template, constraint } of entries) {
      if (!template.policy || !actions.has(constraint.enforcementAction)) continue;
      if (constraint.match.namespaceSelector && nsName && !nsLoaded) {
        let pending = namespaces.get(nsName);
        if (!pending) {
          pending = lookupNamespace(this.#o.store, nsName);
          namespaces.set(nsName, pending);
        }
        ns = await pending;
        nsLoaded = true;
      }
      const matched =
        matchesObject(constraint.match, subject.object, ns) ||
        (subject.oldObject !== undefined && matchesObject(constraint.match, subject.oldObject, ns));
      if (!matched) continue;
      review ??= reviewValue(subject.review);
      try {
        const violations = evaluateConstraint(
          template,
          constraint,
          review,
          () => this.#o.inventory.data(),
          this.#o.budget,
        );
        outcomes.push({ template, constraint, violations });
      } catch (err) {
        const budget = RegoError.isRegoError(err) && err.regoCode === 'eval_budget_error';
        const message = err instanceof Error ? err.message : String(err);
        this.#o.metrics.policyErrors.inc({
          constraint_kind: constraint.kind,
          constraint: constraint.name,
          reason: budget ? 'budget' : 'error',
        });
        outcomes.push({
          template,
          constraint,
          violations: [],
          error: { reason: budget ? 'budget' : 'error', message },
        });
      }
    }
    return outcomes;
  }
}

/** `[constraint] message`, as Gatekeeper prints each violation. */
export function violationLine(constraint: Constraint, msg: string): string {
  return `[${constraint.name}] ${msg}`;
}

/** Turns outcomes into what admission answers. */
export function decide(outcomes: readonly ConstraintOutcome[], failurePolicy: 'Fail' | 'Ignore'): Decision {
  const denials: string[] = [];
  const failures: string[] = [];
  const warnings: string[] = [];
  for (const { constraint, violations, error } of outcomes) {
    const action = constraint.enforcementAction;
    if (error) {
      const rejects = action === 'deny' && (error.reason === 'error' || failurePolicy === 'Fail');
      if (rejects)
        failures.push(
          violationLine(
            constraint,
            error.reason === 'budget' ? `${error.message} (failurePolicy Fail)` : error.message,
          ),
        );
      else
        warnings.push(
          violationLine(
            constraint,
            `not evaluated, request admitted (failurePolicy ${failurePolicy}): ${error.message}`,
          ),
        );
      continue;
    }
    for (const v of violations) {
      if (action === 'deny') denials.push(violationLine(constraint, v.msg));
      else if (action === 'warn') warnings.push(violationLine(constraint, v.msg));
    }
  }
  const causes = (lines: string[]): StatusCause[] =>
    lines.map((message) => ({ reason: 'ConstraintViolation', message }));
  if (failures.length > 0) {
    return {
      warnings,
      error: new EdgewiseError(
        'EW_POLICY_EVAL',
        `admission webhook "${WEBHOOK_NAME}" could not evaluate the request: ${failures.join('\n')}`,
        { causes: causes(failures) },
      ),
    };
  }
  if (denials.length > 0) {
    return {
      warnings,
      error: new EdgewiseError(
        'EW_ADMISSION_DENIED',
        `admission webhook "${WEBHOOK_NAME}" denied the request: ${denials.join('\n')}`,
        { causes: causes(denials) },
      ),
    };
  }
  return { warnings, error: undefined };
}
