/**
 * Which DataSync governs each stream on this node, read from the DataSyncs the hub
 * shipped (they reach only the nodes they select). Streams no DataSync names stay on
 * the node under the default limits and are not sent anywhere.
 */
import {
  DATA_SYNC_STORAGE,
  type DataSync,
  DEFAULT_LIMITS,
  governing,
  limitsOf,
  priorityOf,
  refOf,
  type SinkType,
  type StreamLimits,
  sinkTarget,
  sinkType,
} from '../../api/kinds/data-sync.js';
import type { AgentState } from '../state/agent-state.js';

export interface StreamConfig {
  name: string;
  dataSync?: DataSync;
  /** `namespace/name` of the governing DataSync. */
  ref?: string;
  limits: StreamLimits;
  priority: number;
  sinkType?: SinkType;
  /** For reports: `hub`, `nats:edge.shipments`, … */
  sink?: string;
}

export class StreamConfigs {
  readonly #state: AgentState;
  #revision = -1;
  #dataSyncs: DataSync[] = [];
  readonly #cache = new Map<string, StreamConfig>();

  constructor(state: AgentState) {
    this.#state = state;
    this.refresh();
  }

  /** Rereads the DataSyncs if desired state moved on; true when it did. */
  refresh(): boolean {
    const revision = this.#state.lastRevision;
    if (revision === this.#revision) return false;
    this.#revision = revision;
    this.#dataSyncs = this.#state.objects(DATA_SYNC_STORAGE) as DataSync[];
    this.#cache.clear();
    return true;
  }

  get dataSyncs(): readonly DataSync[] {
    return this.#dataSyncs;
  }

  of(name: string): StreamConfig {
    let config = this.#cache.get(name);
    if (!config) {
      const ds = governing(this.#dataSyncs, name);
      const type = ds ? sinkType(ds.spec?.sink) : undefined;
      config = ds
        ? {
            name,
            dataSync: ds,
            ref: refOf(ds),
            limits: limitsOf(ds),
            priority: priorityOf(ds),
            ...(type && { sinkType: type, sink: sinkTarget(ds.spec.sink) }),
          }
        : { name, limits: { ...DEFAULT_LIMITS }, priority: 0 };
      this.#cache.set(name, config);
    }
    return config;
  }
}
