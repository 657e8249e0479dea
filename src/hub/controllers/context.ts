/** What controllers share: the service for writes, informers for reads, events, a clock. */
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import type { Store } from '../../store/store.js';
import type { EventRecorder } from '../events.js';
import type { ResourceService } from '../service/resource-service.js';
import { Informer } from './informer.js';
import { controllerOf } from './pods-from-template.js';

export interface ControllerContext {
  service: ResourceService;
  store: Store;
  recorder: EventRecorder;
  logger: Logger;
  now: () => Date;
  informers: InformerFactory;
}

/** Informers shared by all controllers: one list+watch per collection. */
export class InformerFactory {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #informers = new Map<string, Informer>();
  #started = false;

  constructor(store: Store, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
  }

  get(storage: string): Informer {
    let informer = this.#informers.get(storage);
    if (!informer) {
      if (this.#started) throw new Error(`informer for ${storage} requested after start`);
      informer = new Informer(this.#store, storage, this.#logger);
      this.#informers.set(storage, informer);
    }
    return informer;
  }

  async start(): Promise<void> {
    this.#started = true;
    await Promise.all([...this.#informers.values()].map((i) => i.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#informers.values()].map((i) => i.stop()));
  }
}

/** Index name for pods by their controller's uid. */
export const BY_OWNER = 'owner';
/** Index name for pods by spec.nodeName. */
export const BY_NODE = 'node';

export function ownerIndex(object: KubeObject): string[] {
  const owner = controllerOf(object);
  return owner ? [owner.uid] : [];
}

export function nodeIndex(object: KubeObject): string[] {
  const node = (object.spec as { nodeName?: string } | undefined)?.nodeName;
  return node ? [node] : [];
}

/** A controller runs until stopped; start() resolves once it is watching. */
export interface Controller {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}
