/** Helpers shared by the sections of the store suite. */
import assert from 'node:assert/strict';
import { EdgewiseError, type ErrorCode } from '../../../src/api/errors.js';
import type { KubeObject } from '../../../src/api/object.js';
import type { CompactionPolicy } from '../../../src/store/common/options.js';
import type { Store, StoreWatchEvent, Watch } from '../../../src/store/store.js';

export interface OpenOptions {
  /** @default false: tests compact explicitly unless they test the policy. */
  compaction?: CompactionPolicy | false;
}

/** What each backend gives the suite. */
export interface StoreFactory {
  /** Runs once before the suite; a returned message skips every test with it. */
  setup?(): Promise<string | undefined>;
  teardown?(): Promise<void>;
  /** A new, empty store. */
  open(options?: OpenOptions): Promise<Store>;
}

/** What a test gets: stores it opens are closed when it ends. */
export interface TestEnv {
  open(options?: OpenOptions): Promise<Store>;
}

export type Define = (title: string, body: (env: TestEnv) => Promise<void>) => void;

export const CONFIGMAPS = 'core/configmaps';
export const PODS = 'core/pods';
export const NODES = 'core/nodes';
export const DEPLOYMENTS = 'apps/deployments';

export function configMap(
  name: string,
  namespace = 'default',
  data: Record<string, string> = { key: 'value' },
): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

export interface PodShape {
  namespace?: string;
  labels?: Record<string, string>;
  nodeName?: string;
  phase?: string;
}

export function pod(name: string, shape: PodShape = {}): KubeObject {
  const object: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: shape.namespace ?? 'default',
      ...(shape.labels && { labels: shape.labels }),
    },
    spec: {
      containers: [{ name: 'app', image: 'registry.local/app:1' }],
      ...(shape.nodeName && { nodeName: shape.nodeName }),
    },
  };
  if (shape.phase) object.status = { phase: shape.phase };
  return object;
}

export function node(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {} };
}

/** Asserts that `promise` rejects with an EdgewiseError of `code` (and message, if given). */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: ErrorCode,
  message?: RegExp,
): Promise<EdgewiseError> {
  let caught: unknown;
  await assert.rejects(promise, (err: unknown) => {
    caught = err;
    return true;
  });
  assert.ok(EdgewiseError.is(caught), `expected an EdgewiseError, got ${String(caught)}`);
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.message}`);
  if (message) assert.match(caught.message, message);
  return caught;
}

/** Bounds a wait so a missing event fails the test with a message instead of hanging it. */
export function bounded<T>(promise: Promise<T>, what: string, ms = 15_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Reads a watch one event at a time. */
export class Reader {
  private readonly iterator: AsyncIterator<StoreWatchEvent>;

  constructor(readonly watch: Watch) {
    this.iterator = watch[Symbol.asyncIterator]();
  }

  async next(what = 'a watch event'): Promise<StoreWatchEvent> {
    const result = await bounded(this.iterator.next(), what);
    if (result.done) throw new Error(`the watch ended while waiting for ${what}`);
    return result.value;
  }

  async take(count: number): Promise<StoreWatchEvent[]> {
    const events: StoreWatchEvent[] = [];
    while (events.length < count) events.push(await this.next(`event ${events.length + 1} of ${count}`));
    return events;
  }

  /** Reads until an event at `revision` arrives; returns everything read. */
  async until(revision: number): Promise<StoreWatchEvent[]> {
    const events: StoreWatchEvent[] = [];
    for (;;) {
      const event = await this.next(`the event at revision ${revision}`);
      events.push(event);
      if (event.revision >= revision) return events;
    }
  }

  /** Asserts that the watch has ended without an error. */
  async ended(): Promise<void> {
    const result = await bounded(this.iterator.next(), 'the watch to end');
    assert.equal(result.done, true, `expected the watch to end, got ${JSON.stringify(result.value)}`);
  }

  /** Asserts that the next read fails; returns the error. */
  async failure(): Promise<unknown> {
    let caught: unknown;
    await assert.rejects(bounded(this.iterator.next(), 'the watch to fail'), (err: unknown) => {
      caught = err;
      return true;
    });
    return caught;
  }
}

/** `TYPE ns/name @rev` lines: compact, readable assertions on event sequences. */
export function summary(events: StoreWatchEvent[]): string[] {
  return events.map((e) => {
    const { namespace, name } = e.object.metadata;
    return `${e.type} ${e.resource} ${namespace ? `${namespace}/` : ''}${name} @${e.revision}`;
  });
}

export function names(objects: KubeObject[]): string[] {
  return objects.map((o) => `${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`);
}
