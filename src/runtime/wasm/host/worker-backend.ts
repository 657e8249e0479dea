/**
 * The host functions' backend on a worker thread. Decisions: the evaluator module
 * the agent names is imported once per thread — on the first job that needs it, not
 * at boot, so workers of agents whose guests never decide never load a Rego engine —
 * and rebuilt from each new policy snapshot the pool sends ahead of a job. Writes: a
 * synchronous call to the main thread (call-block.ts).
 */
import type { HostLimits } from './abi.js';
import { HostErrno } from './abi.js';
import { CallBlock, CallOp } from './call-block.js';
import type { DecisionEvents } from './decision-events.js';
import type { HostBackend } from './functions.js';
import type { PolicyEvaluator, PolicyEvaluatorModule } from './services.js';

/** What the pool shares with a worker for the host functions (WorkerInit.host). */
export interface HostChannels {
  limits: HostLimits;
  /** The call block (call-block.ts). */
  calls: SharedArrayBuffer;
  /** The decision events ring (decision-events.ts). */
  events: SharedArrayBuffer;
}

export class WorkerHostBackend implements HostBackend {
  private moduleUrl: string | undefined;
  private factory: PolicyEvaluatorModule | undefined;
  private loadError: string | undefined;
  private config: unknown;
  private evaluator: PolicyEvaluator | undefined;
  private evaluatorError: string | undefined;
  private readonly calls: CallBlock;

  constructor(
    calls: SharedArrayBuffer,
    private readonly events: DecisionEvents,
    /** Tells the pool a call is waiting (posts CALL). */
    private readonly notifyCall: () => void,
  ) {
    this.calls = CallBlock.attach(calls);
  }

  /** A new policy snapshot (the pool sends one before the first policy job after each change). */
  configurePolicy(moduleUrl: string, config: unknown): void {
    if (moduleUrl !== this.moduleUrl) {
      this.moduleUrl = moduleUrl;
      this.factory = undefined;
      this.loadError = undefined;
    }
    this.config = config;
    this.evaluator = undefined;
    this.evaluatorError = undefined;
  }

  /** True when a policy job must wait for loadPolicy() first. */
  get policyNeedsLoad(): boolean {
    return this.moduleUrl !== undefined && !this.factory && this.loadError === undefined;
  }

  /** Imports the evaluator module; never rejects (a failure makes each decision fail with EIO, saying why). */
  async loadPolicy(): Promise<void> {
    const url = this.moduleUrl;
    if (!url) return;
    try {
      const loaded = (await import(url)) as Partial<PolicyEvaluatorModule>;
      if (typeof loaded.createPolicyEvaluator !== 'function')
        throw new Error(`${url} does not export createPolicyEvaluator`);
      this.factory = loaded as PolicyEvaluatorModule;
    } catch (err) {
      this.loadError = err instanceof Error ? err.message : String(err);
    }
  }

  decide(path: readonly string[], input: unknown): string {
    const evaluator = this.currentEvaluator();
    const { response, entry } = evaluator.decide(path, input);
    this.events.post(entry);
    return response;
  }

  private currentEvaluator(): PolicyEvaluator {
    if (this.evaluator) return this.evaluator;
    if (this.loadError !== undefined) throw new Error(`the policy evaluator did not load: ${this.loadError}`);
    if (this.evaluatorError !== undefined) throw new Error(this.evaluatorError);
    if (!this.factory) throw new Error('no policy snapshot reached this worker');
    try {
      this.evaluator = this.factory.createPolicyEvaluator(this.config, {
        maxEntryBytes: this.events.maxEntryBytes,
      });
    } catch (err) {
      // Kept until the next snapshot: every decision fails alike instead of recompiling each time.
      this.evaluatorError = `the policy in force did not compile on this thread: ${(err as Error).message}`;
      throw new Error(this.evaluatorError);
    }
    return this.evaluator;
  }

  write(name: string, record: string): { errno: number; seq: number } {
    return (
      this.calls.call(CallOp.STREAM_WRITE, name, record, this.notifyCall) ?? {
        errno: HostErrno.TOOBIG,
        seq: 0,
      }
    );
  }
}

/** Bytes a call block needs for the largest request the limits allow. */
export function callBlockBytes(limits: HostLimits): number {
  return 64 + limits.maxRecordBytes;
}
