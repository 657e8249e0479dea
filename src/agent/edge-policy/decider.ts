/**
 * One decision: evaluate a data path of the bundle in force against an input, within
 * the budget, and log it. The data API calls this; Wasm guests' host function calls
 * run `evaluate` on their worker thread (wasm-evaluator.ts).
 */
import type { BudgetOptions, JSONValue } from '../../policy/rego/index.js';
import { type EvalOptions, RegoError } from '../../policy/rego/index.js';
import type { Bundle } from './bundle.js';
import type { DecisionLog } from './decision-log.js';

export interface DecisionOutcome {
  /** Also in the decision log, so a caller can point an auditor at this decision. */
  decisionId: string;
  /** Undefined when the document is undefined (or evaluation failed). */
  result: JSONValue | undefined;
  /** Set when evaluation failed (`eval_budget_error`, `eval_conflict_error`, …); logged as well. */
  error?: RegoError;
  evalNs: number;
  revision: number;
}

export class Decider {
  readonly #bundle: () => Bundle;
  readonly #log: DecisionLog;
  readonly #budget: BudgetOptions;

  constructor(options: { bundle: () => Bundle; log: DecisionLog; budget: BudgetOptions }) {
    this.#bundle = options.bundle;
    this.#log = options.log;
    this.#budget = options.budget;
  }

  /** `path` as the data API takes it: `['education', 'allow']` for data.education.allow. */
  decide(
    path: readonly string[],
    input: unknown,
    options: { strictBuiltinErrors?: boolean } = {},
  ): DecisionOutcome {
    const bundle = this.#bundle();
    const { result, error, evalNs } = evaluate(
      bundle,
      path,
      input,
      this.#budget,
      options.strictBuiltinErrors,
    );
    const decisionId = this.#log.record({
      path,
      input,
      result,
      evalNs,
      revision: bundle.revision,
      ...(error && { error: { code: error.regoCode, message: error.message } }),
    });
    return { decisionId, result, evalNs, revision: bundle.revision, ...(error && { error }) };
  }
}

/** Evaluates one data path within the budget; evaluation errors are returned, anything else thrown. */
export function evaluate(
  bundle: Bundle,
  path: readonly string[],
  input: unknown,
  budget: BudgetOptions,
  strictBuiltinErrors = false,
): { result: JSONValue | undefined; error: RegoError | undefined; evalNs: number } {
  const opts: EvalOptions = { data: bundle.data, budget, bigint: true, strictBuiltinErrors };
  if (input !== undefined) opts.input = input;
  let result: JSONValue | undefined;
  let error: RegoError | undefined;
  const t0 = process.hrtime.bigint();
  try {
    result = bundle.policy.evalPath(path, opts);
  } catch (err) {
    if (!RegoError.isRegoError(err)) throw err;
    error = err;
  }
  return { result, error, evalNs: Number(process.hrtime.bigint() - t0) };
}
