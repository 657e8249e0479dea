/**
 * Errors of the Rego engine. Each carries OPA's error code (`rego_parse_error`,
 * `eval_conflict_error`, …) and the file:line:col it concerns, and is an
 * EdgewiseError so the hub can turn it into a Kubernetes Status: compile-time
 * errors are EW_INVALID (the policy is invalid), budget errors EW_TIMEOUT, and
 * other evaluation errors EW_POLICY_EVAL.
 */
import { EdgewiseError, type ErrorCode } from '../../api/errors.js';

export type RegoErrorCode =
  | 'rego_parse_error'
  | 'rego_compile_error'
  | 'rego_type_error'
  | 'rego_unsafe_var_error'
  | 'rego_recursion_error'
  | 'eval_conflict_error'
  | 'eval_type_error'
  | 'eval_builtin_error'
  | 'eval_budget_error'
  | 'eval_limit_error';

export interface RegoLocation {
  file: string;
  row: number;
  col: number;
}

export interface RegoErrorDetail {
  code: RegoErrorCode;
  message: string;
  location?: RegoLocation;
}

const REGO_ERROR = Symbol.for('edgewise.rego.error');

function edgewiseCode(code: RegoErrorCode): ErrorCode {
  if (code.startsWith('rego_')) return 'EW_INVALID';
  if (code === 'eval_budget_error') return 'EW_TIMEOUT';
  return 'EW_POLICY_EVAL';
}

export function formatLocation(loc: RegoLocation | undefined): string {
  if (!loc) return '';
  return `${loc.file || '<query>'}:${loc.row}:${loc.col}`;
}

function formatDetail(d: RegoErrorDetail): string {
  const where = formatLocation(d.location);
  return where ? `${where}: ${d.code}: ${d.message}` : `${d.code}: ${d.message}`;
}

/** An error from parsing, compiling or evaluating Rego, with OPA's code and a location. */
export class RegoError extends EdgewiseError {
  /** OPA's error code of the first error. */
  readonly regoCode: RegoErrorCode;
  /** Where the first error is. */
  readonly location: RegoLocation | undefined;
  /** Every error found (compilation reports all it can, like OPA). */
  readonly errors: readonly RegoErrorDetail[];

  constructor(errors: RegoErrorDetail[], options?: { cause?: unknown }) {
    const first = errors[0] as RegoErrorDetail;
    const message =
      errors.length === 1
        ? formatDetail(first)
        : `${errors.length} errors occurred:\n${errors.map(formatDetail).join('\n')}`;
    super(
      edgewiseCode(first.code),
      message,
      {
        causes: errors.map((e) => {
          const cause: { reason: string; message: string; field?: string } = {
            reason: e.code,
            message: e.message,
          };
          if (e.location) cause.field = formatLocation(e.location);
          return cause;
        }),
      },
      options,
    );
    this.name = 'RegoError';
    this.regoCode = first.code;
    this.location = first.location;
    this.errors = errors;
    Object.defineProperty(this, REGO_ERROR, { value: true });
  }

  static one(code: RegoErrorCode, message: string, location?: RegoLocation): RegoError {
    const d: RegoErrorDetail = { code, message };
    if (location) d.location = location;
    return new RegoError([d]);
  }

  /** True for any RegoError, even one made by a second copy of this module. */
  static isRegoError(err: unknown): err is RegoError {
    return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[REGO_ERROR] === true;
  }
}
