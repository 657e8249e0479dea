/**
 * State of one evaluation: input, base data, the cache of rule values, the
 * `with` overrides in force, and the budget shared by every context derived
 * from the same query.
 */
import { RegoError } from '../errors.js';
import type { Value } from '../value/value.js';
import type { DocNode } from './tree.js';
import type { Mock } from './types.js';

export interface BudgetOptions {
  /** Abort after this many evaluation steps (expressions and iterations). @default 10_000_000 */
  maxSteps?: number;
  /** Abort after this many milliseconds of evaluation. @default no limit */
  timeoutMs?: number;
}

export const DEFAULT_MAX_STEPS = 10_000_000;

/** Counts steps and checks the clock every few thousand of them. */
export class Budget {
  steps = 0;
  /** Step count at which the next (costlier) check runs. */
  nextCheck: number;
  private readonly maxSteps: number;
  private readonly deadline: number;

  constructor(opts: BudgetOptions | undefined) {
    this.maxSteps = opts?.maxSteps ?? DEFAULT_MAX_STEPS;
    this.deadline = opts?.timeoutMs !== undefined ? Date.now() + opts.timeoutMs : Number.POSITIVE_INFINITY;
    this.nextCheck = Math.min(this.maxSteps, 4096);
  }

  /** Adds n steps (builtins charge for large outputs). */
  charge(n: number): void {
    this.steps += n;
    if (this.steps > this.nextCheck) this.check();
  }

  check(): void {
    if (this.steps > this.maxSteps) {
      throw RegoError.one(
        'eval_budget_error',
        `evaluation exceeded its budget of ${this.maxSteps} steps (raise budget.maxSteps if the policy needs more)`,
      );
    }
    if (Date.now() > this.deadline) {
      throw RegoError.one('eval_budget_error', 'evaluation exceeded its time budget (budget.timeoutMs)');
    }
    this.nextCheck = Math.min(this.maxSteps, this.steps + 4096);
  }
}

export interface Override {
  /** Data path (without "data") replaced by `with`. */
  path: Value[];
  value: Value;
}

/** Per-query facts shared by derived contexts. */
export interface Run {
  budget: Budget;
  /** time.now_ns() is fixed for a whole query, as in OPA. */
  nowNs: bigint | undefined;
  strict: boolean;
  print: ((msg: string) => void) | undefined;
  /** Per-query memo for builtins that must answer consistently (rand.intn, uuid.rfc4122). */
  memo: Map<string, Value>;
}

const NONE = Symbol('undefined');
const BUSY = Symbol('in-progress');
/** A cached rule value: a value, known-undefined, or being computed (a cycle if met again). */
export type CacheEntry = Value | typeof NONE | typeof BUSY;
export const UNDEFINED_ENTRY: typeof NONE = NONE;
export const IN_PROGRESS_ENTRY: typeof BUSY = BUSY;

export class Ctx {
  readonly cache = new Map<DocNode, CacheEntry>();

  constructor(
    readonly root: DocNode,
    readonly input: Value | undefined,
    readonly data: Value,
    readonly run: Run,
    readonly overrides: Override[] | null,
    readonly mocks: Map<string, Mock> | null,
  ) {}

  tick(): void {
    const b = this.run.budget;
    if (++b.steps > b.nextCheck) b.check();
  }

  /** A context for an expression with `with` modifiers: fresh cache, same budget. */
  derive(
    input: Value | undefined,
    data: Value,
    overrides: Override[] | null,
    mocks: Map<string, Mock> | null,
  ): Ctx {
    return new Ctx(this.root, input, data, this.run, overrides, mocks);
  }
}
