/**
 * Keeps the bundle in force in step with the policy and data ConfigMaps the node
 * holds: selects versions (a bad new version leaves the previous good one in force),
 * persists what is in force, and works out each ConfigMap's load status.
 */
import type { Logger } from 'pino';
import { configMapType } from '../../api/kinds/core.js';
import type { PolicySourceStatus } from '../../api/link-protocol.js';
import type { AgentState } from '../state/agent-state.js';
import { type Bundle, buildBundle, bundleHash } from './bundle.js';
import type { PolicyStore } from './policy-store.js';
import { selectSources } from './selection.js';
import { type PolicySource, sourceKey, sourceOf } from './sources.js';

export interface ReloadResult {
  /** The bundle in force changed (a new revision). */
  changed: boolean;
  statuses: PolicySourceStatus[];
  /** Statuses that differ from the last reload's (new versions, new errors, recoveries). */
  updated: PolicySourceStatus[];
}

export class PolicyLoader {
  readonly #state: AgentState;
  readonly #store: PolicyStore;
  readonly #log: Logger;
  #bundle: Bundle | undefined;
  /** What the last reload saw (keys and fingerprints) and concluded. */
  #last: { held: string; statuses: PolicySourceStatus[] } | undefined;

  constructor(options: { state: AgentState; store: PolicyStore; logger: Logger }) {
    this.#state = options.state;
    this.#store = options.store;
    this.#log = options.logger;
  }

  /** The bundle in force; `reload` must have run once. */
  get bundle(): Bundle {
    if (!this.#bundle) throw new Error('edge policy bundle read before the first load');
    return this.#bundle;
  }

  held(): PolicySource[] {
    return this.#state
      .objects(configMapType.storage)
      .map(sourceOf)
      .filter((s): s is PolicySource => s !== undefined);
  }

  /** Compiles what the node holds against what is in force; safe to call at any time. */
  reload(): ReloadResult {
    const previous = this.#bundle?.sources ?? this.#store.inForce();
    const held = this.held();
    const heldKey = held.map((s) => `${sourceKey(s)}/${s.uid}@${s.fingerprint}`).join('\n');
    // A new resourceVersion with the same labels and data (the hub's status annotation) changes nothing.
    if (this.#bundle && this.#last?.held === heldKey)
      return { changed: false, statuses: this.#last.statuses, updated: [] };
    const selection = selectSources(previous, held);
    const hash = bundleHash(selection.inForce);
    let changed = false;
    if (!this.#bundle || this.#bundle.hash !== hash) {
      const storedHash = bundleHash(this.#store.inForce());
      if (storedHash === hash && this.#store.loadedAt) {
        // Restart: the same sources as before, under the same revision.
        this.#bundle = buildBundle(
          selection.inForce,
          this.#store.revision,
          selection.policy,
          this.#store.loadedAt,
        );
      } else {
        const revision = this.#store.revision + 1;
        const loadedAt = new Date().toISOString();
        this.#bundle = buildBundle(selection.inForce, revision, selection.policy, loadedAt);
        this.#store.replaceInForce(selection.inForce, revision, loadedAt);
        changed = true;
        this.#log.info(
          { revision, hash, sources: selection.inForce.map(sourceKey) },
          'edge policy bundle in force',
        );
      }
    }
    const inForce = new Map(selection.inForce.map((s) => [sourceKey(s), s]));
    const statuses = held.map((source): PolicySourceStatus => {
      const key = sourceKey(source);
      const current = inForce.get(key);
      const error = selection.rejected.get(key);
      return {
        namespace: source.namespace,
        name: source.name,
        uid: source.uid,
        kind: source.kind,
        fingerprint: source.fingerprint,
        status: error === undefined ? 'ok' : 'error',
        ...(error !== undefined && { error }),
        ...(current && { inForce: current.fingerprint }),
      };
    });
    const before = this.#store.statuses();
    const updated = statuses.filter((s) => {
      const old = before.get(sourceKey(s));
      return (
        !old ||
        old.fingerprint !== s.fingerprint ||
        old.status !== s.status ||
        old.error !== s.error ||
        old.inForce !== s.inForce
      );
    });
    if (updated.length > 0 || before.size !== statuses.length) this.#store.replaceStatuses(statuses);
    for (const s of updated) {
      if (s.status === 'error')
        this.#log.warn({ configMap: sourceKey(s), error: s.error }, 'edge policy source rejected');
    }
    this.#last = { held: heldKey, statuses };
    return { changed, statuses, updated };
  }
}
