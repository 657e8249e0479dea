/**
 * The edge policy feature's side of the Wasm host functions: a snapshot of the
 * policy in force for the runtime's worker threads (rebuilt only when the bundle
 * changes), and the decision log entries they send back. See docs/wasm.md#host-functions.
 */
import type { PolicySnapshot, WasmPolicyHost } from '../../runtime/wasm/host/services.js';
import type { Bundle } from './bundle.js';
import type { DecisionLog } from './decision-log.js';
import type { ResolvedOptions } from './options.js';
import type { WasmEvaluatorConfig } from './wasm-evaluator.js';

const EVALUATOR = new URL('./wasm-evaluator.js', import.meta.url).href;

export function wasmPolicyHost(deps: {
  bundle: () => Bundle;
  decisions: DecisionLog;
  options: ResolvedOptions;
}): WasmPolicyHost {
  let last: Bundle | undefined;
  let snapshot: PolicySnapshot = { version: 0, config: undefined };
  return {
    evaluatorModule: EVALUATOR,
    snapshot() {
      const bundle = deps.bundle();
      if (bundle !== last) {
        last = bundle;
        const { budget, inputs, maxResultBytes } = deps.options;
        const config: WasmEvaluatorConfig = {
          revision: bundle.revision,
          sources: bundle.sources,
          loadedAt: bundle.loadedAt,
          budget,
          inputs,
          maxResultBytes,
        };
        snapshot = { version: snapshot.version + 1, config };
      }
      return snapshot;
    },
    record(entries) {
      deps.decisions.append(entries);
    },
  };
}
