/**
 * Decisions for Wasm guests, on the worker thread the guest runs on. The runtime
 * imports this module by URL (WasmPolicyHost.evaluatorModule) in each worker that
 * runs a guest importing `edgewise.policy_decide`, and builds an evaluator from
 * each snapshot of the policy in force (wasm-host.ts): the same sources, revision,
 * budget and logging options as the node's data API, compiled by the same code.
 */

import { type BudgetOptions, type JSONValue, type RegoError, toJSONText } from '../../policy/rego/index.js';
import type { PolicyEvaluator } from '../../runtime/wasm/host/services.js';
import { buildBundle } from './bundle.js';
import { evaluate } from './decider.js';
import { type Decision, decisionEntry } from './decision-entry.js';
import type { InputLogging } from './redaction.js';
import type { PolicySource } from './sources.js';

/** What the main thread sends (structured-cloned) when the policy in force changes. */
export interface WasmEvaluatorConfig {
  revision: number;
  sources: readonly PolicySource[];
  /** The bundle's loadedAt, so both threads' bundles say the same. */
  loadedAt: string;
  budget: BudgetOptions;
  inputs: InputLogging;
  maxResultBytes: number;
}

export function createPolicyEvaluator(config: unknown, limits: { maxEntryBytes: number }): PolicyEvaluator {
  const c = config as WasmEvaluatorConfig;
  const bundle = buildBundle(c.sources, c.revision, undefined, c.loadedAt);
  return {
    decide(path, input) {
      const { result, error, evalNs } = evaluate(bundle, path, input, c.budget);
      const decision: Decision = {
        path,
        input,
        result,
        evalNs,
        revision: bundle.revision,
        ...(error && { error: { code: error.regoCode, message: error.message } }),
      };
      let { id, text } = decisionEntry(decision, c);
      // The runtime's channel bounds an entry (an input logged in full, a huge result):
      // past it, the entry keeps hashes of both, as the log does for large results.
      if (Buffer.byteLength(text) > limits.maxEntryBytes)
        text = decisionEntry(decision, { inputs: 'hash', maxResultBytes: 0 }, id).text;
      return { response: response(id, result, error), entry: text };
    },
  };
}

/** What the guest reads: the data API's answer, with an evaluation error inside instead of a 500. */
function response(id: string, result: JSONValue | undefined, error: RegoError | undefined): string {
  let text = `{"decision_id":${JSON.stringify(id)}`;
  if (result !== undefined) text += `,"result":${toJSONText(result)}`;
  if (error) text += `,"error":${JSON.stringify({ code: error.regoCode, message: error.message })}`;
  return `${text}}`;
}
