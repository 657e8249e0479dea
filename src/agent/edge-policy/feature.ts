/**
 * The agent's edge policy feature: compiles the policy and data ConfigMaps the node
 * holds into one bundle, keeps what is in force in SQLite, serves OPA's data API on
 * the local API, logs every decision and ships the log to the hub.
 */
import type { Logger } from 'pino';
import { configMapType } from '../../api/kinds/core.js';
import type { PolicySourceStatus } from '../../api/link-protocol.js';
import type { WasmHostServices, WasmPolicyHost } from '../../runtime/wasm/host/services.js';
import type { AgentFeature, AgentFeatureContext } from '../feature.js';
import type { Bundle } from './bundle.js';
import { dataApiRoute } from './data-api.js';
import { Decider, type DecisionOutcome } from './decider.js';
import { DecisionLog } from './decision-log.js';
import { PolicyLoader } from './loader.js';
import { type EdgePolicyAgentOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { PolicyStore } from './policy-store.js';
import { StatusReporter } from './reporter.js';
import { FEATURE, MIGRATIONS } from './schema.js';
import { DecisionShipper } from './shipper.js';
import { statusRoute } from './status-route.js';
import { wasmPolicyHost } from './wasm-host.js';

interface Parts {
  log: Logger;
  loader: PolicyLoader;
  decisions: DecisionLog;
  decider: Decider;
  shipper: DecisionShipper;
  reporter: StatusReporter;
  wasm: WasmPolicyHost;
  unsubscribe: () => void;
}

export class EdgePolicyFeature implements AgentFeature {
  readonly name = FEATURE;
  readonly options: ResolvedOptions;
  #parts: Parts | undefined;
  #statuses: PolicySourceStatus[] = [];
  #reloadQueued = false;

  constructor(options?: EdgePolicyAgentOptions) {
    this.options = resolveOptions(options);
  }

  start(context: AgentFeatureContext): void {
    const { state, link, localApi } = context;
    state.migrateFeature(FEATURE, MIGRATIONS);
    const log = context.logger.child({ component: 'agent.edge-policy' });
    const loader = new PolicyLoader({ state, store: new PolicyStore(state.database), logger: log });
    const decisions = new DecisionLog({
      db: state.database,
      logger: log,
      inputs: this.options.inputs,
      maxEntries: this.options.maxDecisions,
      maxResultBytes: this.options.maxResultBytes,
      flushIntervalMs: this.options.flushIntervalMs,
    });
    const shipper = new DecisionShipper({
      log: decisions,
      link,
      batchSize: this.options.batchSize,
      logger: log,
    });
    decisions.onFlush(() => shipper.pump());
    const reporter = new StatusReporter({ state, link });
    const bundle = () => loader.bundle;
    const decider = new Decider({ bundle, log: decisions, budget: this.options.budget });
    const unsubscribe = state.onChanges((changes) => {
      if (changes.some((c) => c.resource === configMapType.storage)) this.#queueReload();
    });
    const wasm = wasmPolicyHost({ bundle, decisions, options: this.options });
    this.#parts = { log, loader, decisions, decider, shipper, reporter, wasm, unsubscribe };
    // From local state, before the link: decisions work from the first request, hub or no hub.
    this.reload();
    localApi.route(dataApiRoute({ bundle, decider, maxBodyBytes: this.options.maxBodyBytes }));
    localApi.route(statusRoute({ bundle, statuses: () => this.#statuses, log: decisions }));
  }

  /** The bundle in force. */
  get bundle(): Bundle {
    return this.#started().loader.bundle;
  }

  /** How each policy/data ConfigMap the node holds loaded. */
  get statuses(): readonly PolicySourceStatus[] {
    return this.#statuses;
  }

  /** Decisions not yet acknowledged by the hub, and those dropped locally. */
  get decisionLog(): { pending: number; dropped: number } {
    const { decisions } = this.#started();
    return { pending: decisions.pending, dropped: decisions.dropped };
  }

  /** A decision without HTTP (in-process callers, a Wasm host function); logged like any other. */
  decide(path: readonly string[], input: unknown): DecisionOutcome {
    return this.#started().decider.decide(path, input);
  }

  /** Decisions for Wasm guests (`edgewise.policy_decide`), evaluated on their worker threads and logged here. */
  wasmHostServices(): WasmHostServices {
    return { policy: this.#started().wasm };
  }

  /** Recompiles from what the node holds now (runs on its own when ConfigMaps change). */
  reload(): void {
    const { loader, reporter, log } = this.#started();
    try {
      const result = loader.reload();
      this.#statuses = result.statuses;
      reporter.report(result.statuses, result.updated);
    } catch (err) {
      // A bug, not a bad policy (those are rejected per ConfigMap): keep what is in force.
      log.error({ err }, 'edge policy reload failed; the bundle in force is unchanged');
    }
  }

  #queueReload(): void {
    if (this.#reloadQueued) return;
    this.#reloadQueued = true;
    setImmediate(() => {
      this.#reloadQueued = false;
      if (this.#parts) this.reload();
    });
  }

  #started(): Parts {
    if (!this.#parts) throw new Error('the edge policy feature has not started');
    return this.#parts;
  }

  close(): void {
    const parts = this.#parts;
    if (!parts) return;
    this.#parts = undefined;
    parts.unsubscribe();
    parts.shipper.close();
    parts.decisions.close();
  }
}

/** The feature for `Agent.start({ features })`. */
export function edgePolicyFeature(options?: EdgePolicyAgentOptions): EdgePolicyFeature {
  return new EdgePolicyFeature(options);
}
