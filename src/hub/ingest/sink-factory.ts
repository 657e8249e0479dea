/**
 * Where external sink implementations plug in. A DataSync's `spec.sink.<type>` is
 * passed to `SINK_TYPES[type].create(options)` (src/hub/ingest/sinks/), minus
 * `secretRef` and plus the keys of the Secret it names. The pool keeps one sink per
 * DataSync generation: a changed DataSync gets a fresh sink, and the old one is closed
 * once no delivery uses it.
 */
import { EdgewiseError } from '../../api/errors.js';
import { secretType } from '../../api/kinds/core.js';
import { type DataSync, refOf, type SinkType } from '../../api/kinds/data-sync.js';
import { sinkOptions } from '../../api/kinds/data-sync-sinks.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceService } from '../service/resource-service.js';
import type { Sink } from './sink.js';
import { SINK_TYPES } from './sinks/index.js';

export interface SinkImplementation {
  create(options: unknown): Sink;
}

export type ExternalSinkType = Exclude<SinkType, 'hub'>;
export type SinkImplementations = Partial<Record<ExternalSinkType, SinkImplementation>>;

/** The implementations this hub is built with. */
export const BUILTIN_SINKS: SinkImplementations = SINK_TYPES;

/** A Secret's keys as strings (its data is base64, stringData plain). */
export function secretValues(secret: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((secret.data ?? {}) as Record<string, string>))
    out[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries((secret.stringData ?? {}) as Record<string, string>)) out[k] = v;
  return out;
}

/** The options an external sink of `ds` is created with (Secret merged in). */
export async function sinkOptionsOf(
  ds: DataSync,
  service: ResourceService,
): Promise<{ type: ExternalSinkType; options: Record<string, unknown> }> {
  const spec = sinkOptions(ds.spec?.sink);
  if (!spec || spec.type === 'hub')
    throw new EdgewiseError('EW_INVALID', `DataSync ${refOf(ds)} does not name an external sink`);
  let options = spec.options;
  if (spec.secret) {
    const namespace = ds.metadata.namespace ?? 'default';
    const secret = await service.find(secretType, namespace, spec.secret);
    if (!secret)
      throw new EdgewiseError(
        'EW_UNAVAILABLE',
        `Secret ${namespace}/${spec.secret} named by DataSync ${refOf(ds)} does not exist`,
      );
    options = { ...options, ...secretValues(secret) };
  }
  return { type: spec.type, options };
}

interface Entry {
  sink: Promise<Sink>;
  users: number;
  retired: boolean;
}

export class SinkPool {
  readonly #implementations: SinkImplementations;
  readonly #service: ResourceService;
  readonly #entries = new Map<string, Entry>();

  constructor(implementations: SinkImplementations, service: ResourceService) {
    this.#implementations = implementations;
    this.#service = service;
  }

  /** Runs `work` with the sink of `ds`, created on first use. */
  async use<T>(ds: DataSync, work: (sink: Sink) => Promise<T>): Promise<T> {
    const key = keyOf(ds);
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = { sink: this.#create(ds), users: 0, retired: false };
      this.#entries.set(key, entry);
      const created = entry;
      // A sink that cannot even be created is forgotten, so the next batch tries again.
      created.sink.catch(() => {
        if (this.#entries.get(key) === created) this.#entries.delete(key);
      });
    }
    entry.users++;
    try {
      return await work(await entry.sink);
    } finally {
      entry.users--;
      if (entry.retired && entry.users === 0) void closeQuietly(entry.sink);
    }
  }

  async #create(ds: DataSync): Promise<Sink> {
    const { type, options } = await sinkOptionsOf(ds, this.#service);
    const implementation = this.#implementations[type];
    if (!implementation)
      throw new EdgewiseError('EW_UNAVAILABLE', `this hub has no ${type} sink; DataSync ${refOf(ds)} waits`);
    return implementation.create(options);
  }

  /** Closes sinks of DataSync generations not in `live` (once their deliveries finish). */
  retain(live: readonly DataSync[]): void {
    const keep = new Set(live.map(keyOf));
    for (const [key, entry] of this.#entries) {
      if (keep.has(key)) continue;
      this.#entries.delete(key);
      entry.retired = true;
      if (entry.users === 0) void closeQuietly(entry.sink);
    }
  }

  async close(): Promise<void> {
    const all = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(all.map((e) => closeQuietly(e.sink)));
  }
}

function keyOf(ds: DataSync): string {
  return `${ds.metadata.uid ?? refOf(ds)}:${ds.metadata.generation ?? 0}`;
}

async function closeQuietly(sink: Promise<Sink>): Promise<void> {
  try {
    await (await sink).close();
  } catch {
    // A sink that failed to open or to close has nothing left to release.
  }
}
