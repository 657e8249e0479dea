/**
 * Runs one constraint's template against one review: `violation[{"msg", "details"}]`
 * with `input.review` and `input.parameters`, and `data.inventory` for templates
 * that read it. Evaluation errors (budget included) are thrown as RegoErrors.
 */
import { fromJSON, type PreparedData, type Value } from '../../policy/rego/index.js';
import type { Constraint } from './constraint.js';
import type { CompiledTemplate } from './template.js';

export interface Violation {
  msg: string;
  details?: unknown;
}

export interface EvaluationBudget {
  maxSteps: number;
  timeoutMs: number;
}

/** Converts a review once; every constraint evaluated against it shares the conversion. */
export function reviewValue(review: Record<string, unknown>): Value {
  return fromJSON(review);
}

function toViolation(value: unknown): Violation {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as { msg?: unknown; details?: unknown };
    const msg = typeof v.msg === 'string' ? v.msg : JSON.stringify(v.msg ?? value);
    return v.details === undefined ? { msg } : { msg, details: v.details };
  }
  return { msg: typeof value === 'string' ? value : JSON.stringify(value) };
}

export function evaluateConstraint(
  template: CompiledTemplate,
  constraint: Constraint,
  review: Value,
  inventory: () => PreparedData,
  budget: EvaluationBudget,
): Violation[] {
  const policy = template.policy;
  if (!policy) return [];
  const result = policy.evalRef(template.violationRef, {
    input: { review, parameters: constraint.parameters },
    ...(template.usesInventory && { data: inventory() }),
    budget: {
      maxSteps: budget.maxSteps,
      ...(budget.timeoutMs > 0 && { timeoutMs: budget.timeoutMs }),
    },
  });
  if (!Array.isArray(result)) return [];
  return result.map(toViolation);
}
