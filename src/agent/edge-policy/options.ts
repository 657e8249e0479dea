/** Options of the agent's edge policy feature: defaults, validation, a frozen result. */
import { EdgewiseError } from '../../api/errors.js';
import type { BudgetOptions } from '../../policy/rego/index.js';
import type { InputLogging } from './redaction.js';

export interface EdgePolicyAgentOptions {
  /** What decision logs keep of each input: nothing, a SHA-256, or all of it. @default 'redacted' */
  inputs?: InputLogging;
  /** Decisions kept locally until the hub has them; beyond it the oldest are dropped and counted. @default 100000 */
  maxDecisions?: number;
  /** Results larger than this (JSON bytes) are logged as their SHA-256. @default 8192 */
  maxResultBytes?: number;
  /** Per-decision evaluation budget: a policy that loops fails with eval_budget_error. @default { maxSteps: 1000000, timeoutMs: 250 } */
  budget?: BudgetOptions;
  /** Largest request body on the data API. @default 1 MiB */
  maxBodyBytes?: number;
  /** Decision log entries per link message. @default 500 */
  batchSize?: number;
  /** How long decisions may wait in memory before they are written to SQLite. @default 200 */
  flushIntervalMs?: number;
}

export type ResolvedOptions = Readonly<Required<EdgePolicyAgentOptions>>;

const DEFAULTS: ResolvedOptions = {
  inputs: 'redacted',
  maxDecisions: 100_000,
  maxResultBytes: 8192,
  budget: { maxSteps: 1_000_000, timeoutMs: 250 },
  maxBodyBytes: 1024 * 1024,
  batchSize: 500,
  flushIntervalMs: 200,
};

function positive(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0)
    throw new EdgewiseError(
      'EW_INVALID',
      `edge policy option ${name} must be a positive integer, not ${value}`,
    );
}

export function resolveOptions(options: EdgePolicyAgentOptions = {}): ResolvedOptions {
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULTS))
      throw new EdgewiseError(
        'EW_INVALID',
        `unknown edge policy option "${key}"; known: ${Object.keys(DEFAULTS).join(', ')}`,
      );
  }
  const resolved = { ...DEFAULTS, ...options };
  if (!['redacted', 'hash', 'full'].includes(resolved.inputs))
    throw new EdgewiseError(
      'EW_INVALID',
      `edge policy option inputs must be redacted, hash or full, not "${resolved.inputs}"`,
    );
  positive('maxDecisions', resolved.maxDecisions);
  positive('maxResultBytes', resolved.maxResultBytes);
  positive('maxBodyBytes', resolved.maxBodyBytes);
  positive('batchSize', resolved.batchSize);
  positive('flushIntervalMs', resolved.flushIntervalMs);
  return Object.freeze({ ...resolved, budget: Object.freeze({ ...resolved.budget }) });
}
