/**
 * One decision log entry as JSON text, the way the node logs and ships it. Built
 * where the decision is made: on the agent's main thread for the data API, on a
 * worker thread for a Wasm guest's host function call (wasm-evaluator.ts).
 */
import { randomUUID } from 'node:crypto';
import type { DecisionLogEntry } from '../../api/link-protocol.js';
import { type JSONValue, toJSONText } from '../../policy/rego/index.js';
import { type InputLogging, inputFields, sha256 } from './redaction.js';

export interface Decision {
  path: readonly string[];
  input: unknown;
  /** The result as the engine returned it; undefined when the document is undefined. */
  result: JSONValue | undefined;
  error?: { code: string; message: string };
  evalNs: number;
  revision: number;
}

export interface EntryOptions {
  inputs: InputLogging;
  /** Results larger than this (JSON bytes) are logged as their SHA-256. */
  maxResultBytes: number;
}

/** The entry (without its seq, which the log assigns) and its decision_id; `id` to keep one already given out. */
export function decisionEntry(
  decision: Decision,
  options: EntryOptions,
  id: string = randomUUID(),
): { id: string; text: string } {
  const entry: Omit<DecisionLogEntry, 'seq'> = {
    decision_id: id,
    timestamp: new Date().toISOString(),
    path: decision.path.join('/'),
    ...inputFields(options.inputs, decision.input),
    eval_ns: decision.evalNs,
    revision: decision.revision,
    ...(decision.error && { error: decision.error }),
  };
  let text = JSON.stringify(entry);
  if (decision.result !== undefined) {
    const result = toJSONText(decision.result);
    const field =
      Buffer.byteLength(result) <= options.maxResultBytes
        ? `"result":${result}`
        : `"result_sha256":${JSON.stringify(sha256(result))}`;
    text = `${text.slice(0, -1)},${field}}`;
  }
  return { id, text };
}
