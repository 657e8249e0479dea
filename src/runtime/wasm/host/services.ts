/**
 * What the runtime asks of whoever runs it (the agent) to answer the `edgewise` host
 * functions. The runtime defines these interfaces and never imports their
 * implementations: the agent's edge policy and streams features supply them.
 *
 * Decisions are evaluated where the guest runs — each worker thread loads the
 * evaluator module named here and builds the bundle from a snapshot the pool sends
 * it — so a decision costs the agent's main thread nothing but its log entry.
 * Stream writes are durable on the main thread (one SQLite writer, group commit):
 * the worker blocks until the record is on disk.
 */

/** Evaluates decisions on one thread, from one snapshot of the policy in force. */
export interface PolicyEvaluator {
  /**
   * Decides `data.<path>` for `input` (undefined: no input). Returns the response
   * the guest reads — JSON `{"decision_id", "result"?, "error"?}` — and the decision
   * log entry for it (JSON text of at most `maxEntryBytes` bytes).
   */
  decide(path: readonly string[], input: unknown): { response: string; entry: string };
}

/** The shape of the module `WasmPolicyHost.evaluatorModule` names. */
export interface PolicyEvaluatorModule {
  createPolicyEvaluator(config: unknown, limits: { maxEntryBytes: number }): PolicyEvaluator;
}

export interface PolicySnapshot {
  /** Changes whenever `config` does; workers rebuild their evaluator when it moves. */
  version: number;
  /** Structured-cloneable: what createPolicyEvaluator needs (the sources in force, options). */
  config: unknown;
}

/** Decisions for `edgewise.policy_decide` / `policy_result`. */
export interface WasmPolicyHost {
  /** URL of an ES module exporting `createPolicyEvaluator` (a PolicyEvaluatorModule). */
  readonly evaluatorModule: string;
  /** The policy in force now; called on the main thread before each policy job is sent, so keep it cheap. */
  snapshot(): PolicySnapshot;
  /** Decision log entries made in worker threads, in the order they were made per thread. */
  record(entries: readonly string[]): void;
}

/** Durable appends for `edgewise.stream_write`. */
export interface WasmStreamHost {
  /**
   * Appends one record (JSON text) to the node's stream `name`; resolves with its
   * sequence number once it is durable. Rejects with an EdgewiseError:
   * EW_BAD_REQUEST (bad name, not JSON) → EINVAL, EW_TOO_LARGE → E2BIG,
   * EW_TOO_MANY_REQUESTS (the stream is full) → ENOSPC, anything else → EIO.
   */
  write(name: string, record: string): Promise<{ seq: number }>;
}

/**
 * The services behind the host functions. Read when a workload starts and when a
 * call is made, so the agent may fill them in after the driver is built (its
 * features start after its drivers). A module importing a group whose service is
 * absent fails to start, naming the import and the missing feature.
 */
export interface WasmHostServices {
  readonly policy?: WasmPolicyHost | undefined;
  readonly streams?: WasmStreamHost | undefined;
}
