/**
 * The hub's resource operations with apiserver semantics. The HTTP layer and the
 * in-process controllers both go through here, so validation, defaulting and
 * admission apply to every write whatever its origin.
 */
import { EdgewiseError, notFound } from '../../api/errors.js';
import { namespaceType } from '../../api/kinds/core.js';
import type { KubeList, KubeObject, WatchEvent } from '../../api/object.js';
import { prepareObject } from '../../api/prepare.js';
import type { ResourceRegistry } from '../../api/registry.js';
import { apiVersionOf, type ResourceType } from '../../api/resource-type.js';
import type { FieldSelector, LabelSelector } from '../../api/selectors.js';
import type { Store } from '../../store/store.js';
import { type AdmissionChain, SYSTEM_USER, type UserInfo } from '../admission.js';
import {
  asServed,
  carryStatus,
  carrySystemMetadata,
  checkBodyKind,
  generateName,
  onlyStatus,
  resetSystemMetadataForCreate,
  settleNamespace,
} from './object-rules.js';

export interface WriteContext {
  user?: UserInfo;
  /** `?dryRun=All`: run every check, store nothing. */
  dryRun?: boolean;
}

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
  /** False when an update changed nothing (no revision was used). */
  changed: boolean;
}

export interface ListQuery {
  labelSelector?: LabelSelector;
  fieldSelector?: FieldSelector;
  limit?: number;
  continue?: string;
}

export interface DeleteRequest {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface DeleteResult {
  /** The object as it was removed, or as it now is while it terminates. */
  object: KubeObject;
  /** False when deletion was only started (finalizers or a graceful pod stop remain). */
  deleted: boolean;
}

export interface WatchQuery extends ListQuery {
  /** Start after this revision; undefined or "0" sends the current state as ADDED first. */
  resourceVersion?: string;
}

export interface ResourceServiceOptions {
  store: Store;
  registry: ResourceRegistry;
  admission: AdmissionChain;
  now?: () => Date;
}

/** Unconditional writes retry this often when a concurrent writer wins the race. */
const MAX_CONFLICT_RETRIES = 5;

export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class ResourceService {
  readonly store: Store;
  readonly registry: ResourceRegistry;
  readonly #admission: AdmissionChain;
  readonly #now: () => Date;

  constructor(options: ResourceServiceOptions) {
    this.store = options.store;
    this.registry = options.registry;
    this.#admission = options.admission;
    this.#now = options.now ?? (() => new Date());
  }

  async get(type: ResourceType, namespace: string, name: string): Promise<KubeObject> {
    const object = await this.store.get({
      resource: type.storage,
      namespace: type.namespaced ? namespace : '',
      name,
    });
    if (!object) throw notFound(type.plural, name, type.group);
    return asServed(type, object);
  }

  async find(type: ResourceType, namespace: string, name: string): Promise<KubeObject | undefined> {
    const object = await this.store.get({
      resource: type.storage,
      namespace: type.namespaced ? namespace : '',
      name,
    });
    return object && asServed(type, object);
  }

  async list(type: ResourceType, namespace: string, query: ListQuery = {}): Promise<KubeList> {
    const result = await this.store.list(type.storage, {
      namespace: type.namespaced ? namespace : '',
      ...(query.labelSelector && { labelSelector: query.labelSelector }),
      ...(query.fieldSelector && { fieldSelector: query.fieldSelector }),
      ...(query.limit !== undefined && { limit: query.limit }),
      ...(query.continue !== undefined && { continue: query.continue }),
    });
    const list: KubeList = {
      apiVersion: apiVersionOf(type),
      kind: type.listKind,
      metadata: { resourceVersion: String(result.revision) },
      items: result.items.map((o) => asServed(type, o)),
    };
    if (result.continue) list.metadata.continue = result.continue;
    return list;
  }

  async create(
    type: ResourceType,
    pathNamespace: string,
    body: unknown,
    context: WriteContext = {},
  ): Promise<WriteResult> {
    const object = structuredClone(checkBodyKind(type, body));
    const namespace = settleNamespace(type, object, pathNamespace);
    resetSystemMetadataForCreate(object);
    if (!object.metadata.name && object.metadata.generateName)
      object.metadata.name = generateName(object.metadata.generateName);
    if (type.hasStatus && type.kind !== 'Node') delete object.status;
    const { warnings } = prepareObject(type, object, { operation: 'CREATE' });
    const name = object.metadata.name ?? '';
    warnings.push(
      ...(await this.#admission.admit({
        operation: 'CREATE',
        type,
        object,
        namespace,
        name,
        userInfo: context.user ?? SYSTEM_USER,
        dryRun: context.dryRun === true,
      })),
    );
    if (context.dryRun) return { object, warnings, changed: true };
    if (type.namespaced) await this.#ensureNamespace(namespace);
    const stored = await this.store.create(type.storage, object);
    return { object: asServed(type, stored), warnings, changed: true };
  }

  /**
   * Replaces an object (PUT). With `subresource: 'status'` only status changes;
   * otherwise status is kept from the stored object. The body's resourceVersion,
   * when present, is a precondition; without one the update is unconditional and
   * retried if a concurrent write slips in between read and write.
   */
  async update(
    type: ResourceType,
    namespace: string,
    name: string,
    body: unknown,
    context: WriteContext & { subresource?: 'status' } = {},
  ): Promise<WriteResult> {
    const incoming = structuredClone(checkBodyKind(type, body));
    if (incoming.metadata.name && incoming.metadata.name !== name) {
      throw new EdgewiseError(
        'EW_BAD_REQUEST',
        `the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    incoming.metadata.name = name;
    const ns = settleNamespace(type, incoming, namespace);
    return this.#retryUnconditional(incoming.metadata.resourceVersion, async () => {
      const previous = await this.get(type, ns, name);
      return this.#replace(type, previous, structuredClone(incoming), context);
    });
  }

  /**
   * Read-modify-write of one object: `mutate` gets the stored object and returns
   * the desired one (patch, apply, controllers). Retried on conflict unless the
   * result carries its own resourceVersion precondition.
   */
  async modify(
    type: ResourceType,
    namespace: string,
    name: string,
    mutate: (current: KubeObject) => KubeObject | Promise<KubeObject>,
    context: WriteContext & { subresource?: 'status' } = {},
  ): Promise<WriteResult> {
    const ns = type.namespaced ? namespace : '';
    for (let attempt = 0; ; attempt++) {
      const previous = await this.get(type, ns, name);
      const desired = structuredClone(checkBodyKind(type, await mutate(structuredClone(previous))));
      desired.metadata.name = name;
      settleNamespace(type, desired, ns);
      const explicit = desired.metadata.resourceVersion !== previous.metadata.resourceVersion;
      try {
        return await this.#replace(type, previous, desired, context);
      } catch (err) {
        if (explicit || attempt >= MAX_CONFLICT_RETRIES || !EdgewiseError.isCode(err, 'EW_CONFLICT'))
          throw err;
      }
    }
  }

  async #retryUnconditional(
    precondition: string | undefined,
    attempt: () => Promise<WriteResult>,
  ): Promise<WriteResult> {
    for (let i = 0; ; i++) {
      try {
        return await attempt();
      } catch (err) {
        if (
          precondition !== undefined ||
          i >= MAX_CONFLICT_RETRIES ||
          !EdgewiseError.isCode(err, 'EW_CONFLICT')
        )
          throw err;
      }
    }
  }

  async #replace(
    type: ResourceType,
    previous: KubeObject,
    incoming: KubeObject,
    context: WriteContext & { subresource?: 'status' },
  ): Promise<WriteResult> {
    const ns = previous.metadata.namespace ?? '';
    const name = previous.metadata.name ?? '';
    let next: KubeObject;
    if (context.subresource === 'status') {
      next = onlyStatus(previous, incoming);
    } else {
      next = incoming;
      carryStatus(type, next, previous);
      carrySystemMetadata(next, previous);
    }
    const precondition = incoming.metadata.resourceVersion || previous.metadata.resourceVersion || '';
    const { warnings } = prepareObject(type, next, { operation: 'UPDATE', old: previous });
    warnings.push(
      ...(await this.#admission.admit({
        operation: 'UPDATE',
        type,
        object: next,
        oldObject: previous,
        namespace: ns,
        name,
        ...(context.subresource && { subresource: context.subresource }),
        userInfo: context.user ?? SYSTEM_USER,
        dryRun: context.dryRun === true,
      })),
    );
    if (context.dryRun) return { object: next, warnings, changed: true };
    next.metadata.resourceVersion = precondition;
    const hadFinalizers = (previous.metadata.finalizers ?? []).length > 0;
    if (next.metadata.deletionTimestamp && hadFinalizers && (next.metadata.finalizers ?? []).length === 0) {
      // The last finalizer is gone from an object being deleted: deletion completes now.
      const removed = await this.store.delete(
        { resource: type.storage, namespace: ns, name },
        { resourceVersion: precondition },
      );
      return { object: asServed(type, removed), warnings, changed: true };
    }
    const result = await this.store.update(type.storage, next, { resourceVersion: precondition });
    return { object: asServed(type, result.object), warnings, changed: result.changed };
  }

  /**
   * Deletes an object. Objects with finalizers, and pods bound to a node that have
   * not finished, are only marked (deletionTimestamp); the finalizer's owner or the
   * node's agent completes the deletion.
   */
  async delete(
    type: ResourceType,
    namespace: string,
    name: string,
    request: DeleteRequest = {},
    context: WriteContext = {},
  ): Promise<DeleteResult> {
    // Without a resourceVersion precondition a delete is unconditional: a status write
    // racing it must not turn it into a 409, so re-read and try again, as Kubernetes does.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#deleteOnce(type, namespace, name, request, context);
      } catch (err) {
        if (request.preconditions?.resourceVersion !== undefined || attempt >= MAX_CONFLICT_RETRIES)
          throw err;
        if (!EdgewiseError.isCode(err, 'EW_CONFLICT') || /UID in precondition/.test((err as Error).message))
          throw err;
      }
    }
  }

  async #deleteOnce(
    type: ResourceType,
    namespace: string,
    name: string,
    request: DeleteRequest,
    context: WriteContext,
  ): Promise<DeleteResult> {
    const ns = type.namespaced ? namespace : '';
    const object = await this.get(type, ns, name);
    const preconditions = request.preconditions ?? {};
    if (preconditions.uid && preconditions.uid !== object.metadata.uid) {
      throw new EdgewiseError(
        'EW_CONFLICT',
        `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${object.metadata.uid ?? ''}`,
      );
    }
    await this.#admission.admit({
      operation: 'DELETE',
      type,
      object,
      oldObject: object,
      namespace: ns,
      name,
      userInfo: context.user ?? SYSTEM_USER,
      dryRun: context.dryRun === true,
    });
    if (context.dryRun) return { object, deleted: true };
    const key = { resource: type.storage, namespace: ns, name };
    const rv = preconditions.resourceVersion ?? object.metadata.resourceVersion ?? '';
    const grace = this.#gracePeriod(type, object, request);
    const hasFinalizers = (object.metadata.finalizers ?? []).length > 0;
    if (hasFinalizers || grace > 0) {
      if (object.metadata.deletionTimestamp) return { object, deleted: false };
      const marked = structuredClone(object);
      marked.metadata.deletionTimestamp = timestamp(new Date(this.#now().getTime() + grace * 1000));
      marked.metadata.deletionGracePeriodSeconds = grace;
      const result = await this.store.update(type.storage, marked, { resourceVersion: rv });
      return { object: asServed(type, result.object), deleted: false };
    }
    if (type.kind === 'Namespace' && type.group === '') await this.#emptyNamespace(name);
    const removed = await this.store.delete(key, { resourceVersion: rv });
    return { object: asServed(type, removed), deleted: true };
  }

  /**
   * A pod running on a node stops gracefully: the agent stops it, then completes the
   * deletion. Zero grace (`--force --grace-period=0`) or an unbound/finished pod is
   * deleted at once.
   */
  #gracePeriod(type: ResourceType, object: KubeObject, request: DeleteRequest): number {
    if (type.kind !== 'Pod' || type.group !== '') return 0;
    const spec = object.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
    const phase = (object.status as { phase?: string } | undefined)?.phase;
    if (!spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
    const grace = request.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, grace);
  }

  async #ensureNamespace(namespace: string): Promise<void> {
    const existing = await this.store.get({
      resource: namespaceType.storage,
      namespace: '',
      name: namespace,
    });
    if (existing?.metadata.deletionTimestamp) {
      throw new EdgewiseError(
        'EW_FORBIDDEN',
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
    if (existing) return;
    // NamespaceAutoProvision: manifests in the field name namespaces they never create.
    try {
      await this.create(namespaceType, '', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: namespace },
      });
    } catch (err) {
      if (!EdgewiseError.isCode(err, 'EW_ALREADY_EXISTS')) throw err;
    }
  }

  /** Deletes everything in a namespace before the namespace itself. */
  async #emptyNamespace(namespace: string): Promise<void> {
    const seen = new Set<string>();
    for (const type of this.registry.all()) {
      if (!type.namespaced || seen.has(type.storage)) continue;
      seen.add(type.storage);
      const { items } = await this.store.list(type.storage, { namespace });
      for (const item of items) {
        try {
          await this.store.delete({ resource: type.storage, namespace, name: item.metadata.name ?? '' });
        } catch (err) {
          if (!EdgewiseError.isCode(err, 'EW_NOT_FOUND')) throw err;
        }
      }
    }
  }

  /**
   * Watches a collection. Without a resourceVersion (or with "0") the current
   * objects arrive first as ADDED events, as kube-apiserver does.
   */
  async *watch(
    type: ResourceType,
    namespace: string,
    query: WatchQuery,
    signal?: AbortSignal,
  ): AsyncGenerator<WatchEvent> {
    const ns = type.namespaced ? namespace : '';
    let fromRevision: number;
    if (
      query.resourceVersion === undefined ||
      query.resourceVersion === '' ||
      query.resourceVersion === '0'
    ) {
      const listed = await this.store.list(type.storage, {
        namespace: ns,
        ...(query.labelSelector && { labelSelector: query.labelSelector }),
        ...(query.fieldSelector && { fieldSelector: query.fieldSelector }),
      });
      for (const item of listed.items) yield { type: 'ADDED', object: asServed(type, item) };
      fromRevision = listed.revision;
    } else {
      fromRevision = parseRevision(query.resourceVersion);
    }
    const watch = this.store.watch({
      resource: type.storage,
      namespace: ns,
      fromRevision,
      ...(query.labelSelector && { labelSelector: query.labelSelector }),
      ...(query.fieldSelector && { fieldSelector: query.fieldSelector }),
    });
    const stop = () => watch.close();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      for await (const event of watch) yield { type: event.type, object: asServed(type, event.object) };
    } finally {
      signal?.removeEventListener('abort', stop);
      watch.close();
    }
  }
}

export function parseRevision(text: string): number {
  if (!/^\d+$/.test(text)) {
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      `invalid resourceVersion "${text}": must be a decimal revision`,
    );
  }
  return Number(text);
}
