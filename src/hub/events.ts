/**
 * Records Events about objects, as kubectl describe shows them. Repeats of the same
 * reason and message on the same object bump `count` instead of adding objects.
 */
import type { Logger } from 'pino';
import { EdgewiseError } from '../api/errors.js';
import { eventType } from '../api/kinds/core.js';
import type { KubeObject } from '../api/object.js';
import { type ResourceService, timestamp } from './service/resource-service.js';

export interface InvolvedObject {
  apiVersion?: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
}

export function involvedFrom(object: KubeObject): InvolvedObject {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name ?? '',
    ...(object.metadata.namespace && { namespace: object.metadata.namespace }),
    ...(object.metadata.uid && { uid: object.metadata.uid }),
  };
}

/** Events older than this are deleted by the recorder's sweep, as the apiserver's event TTL does. */
export const EVENT_TTL_MS = 60 * 60 * 1000;

export class EventRecorder {
  readonly #service: ResourceService;
  readonly #log: Logger;
  readonly #now: () => Date;
  /** dedup key → event name, for this hub process. */
  readonly #recent = new Map<string, string>();

  constructor(service: ResourceService, logger: Logger, now: () => Date = () => new Date()) {
    this.#service = service;
    this.#log = logger.child({ component: 'hub.events' });
    this.#now = now;
  }

  async record(
    involved: InvolvedObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    component: string,
  ): Promise<void> {
    const namespace = involved.namespace ?? 'default';
    const key = `${involved.kind}|${namespace}|${involved.name}|${involved.uid ?? ''}|${reason}|${message}`;
    const now = timestamp(this.#now());
    const existing = this.#recent.get(key);
    try {
      if (existing) {
        const updated = await this.#service
          .modify(eventType, namespace, existing, (e) => ({
            ...e,
            count: Number(e.count ?? 1) + 1,
            lastTimestamp: now,
          }))
          .then(() => true)
          .catch((err: unknown) => {
            if (EdgewiseError.isCode(err, 'EW_NOT_FOUND')) return false;
            throw err;
          });
        if (updated) return;
      }
      const name = `${involved.name}.${this.#now().getTime().toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`;
      await this.#service.create(eventType, namespace, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: { ...involved, namespace },
        type,
        reason,
        message,
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component },
        reportingComponent: component,
      });
      this.#recent.set(key, name);
      if (this.#recent.size > 10_000) this.#recent.delete(this.#recent.keys().next().value as string);
    } catch (err) {
      // Events are for humans; failing to record one must not fail the work that caused it.
      this.#log.warn(
        { err: err instanceof Error ? err.message : String(err), reason },
        'could not record event',
      );
    }
  }
}
