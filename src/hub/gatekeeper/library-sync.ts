/**
 * Keeps the PolicyLibrary in step with the store: loaded once at install (so
 * constraint kinds survive a restart), then informers on templates and on each
 * constraint kind. Writes admitted through this hub are applied at once, so a
 * constraint is enforced as soon as its create returns; a check against the store
 * shortly after undoes an eager change whose write did not happen.
 */
import type { Logger } from 'pino';
import { EdgewiseError } from '../../api/errors.js';
import { field } from '../../api/kinds/common.js';
import type { Store } from '../../store/store.js';
import type { AdmissionRequest } from '../admission.js';
import { Informer } from '../controllers/informer.js';
import { constraintStorage } from './constraint.js';
import type { PolicyLibrary } from './library.js';
import { CONSTRAINTS_GROUP, TEMPLATES_GROUP } from './names.js';
import { constraintTemplateTypes } from './template-type.js';

const TEMPLATE_STORAGE = constraintTemplateTypes[0]?.storage ?? `${TEMPLATES_GROUP}/constrainttemplates`;

export interface LibrarySyncOptions {
  /** How long after an admitted write the store is checked for it. @default 1000 */
  settleMs?: number;
}

export class LibrarySync {
  readonly #library: PolicyLibrary;
  readonly #store: Store;
  readonly #log: Logger;
  readonly #settleMs: number;
  readonly #constraintInformers = new Map<string, Informer>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #templates: Informer | undefined;
  #running = false;
  #closed = false;

  constructor(library: PolicyLibrary, store: Store, logger: Logger, options: LibrarySyncOptions = {}) {
    this.#library = library;
    this.#store = store;
    this.#log = logger;
    this.#settleMs = options.settleMs ?? 1000;
    library.listen({
      kindAdded: (kind) => {
        if (this.#running) void this.#watchKind(kind);
      },
      kindRemoved: (kind) => {
        const informer = this.#constraintInformers.get(kind);
        this.#constraintInformers.delete(kind);
        void informer?.stop();
      },
    });
  }

  /** Reads every stored template and constraint (install time, before the hub serves). */
  async load(): Promise<void> {
    const { items } = await this.#store.list(TEMPLATE_STORAGE);
    for (const t of items) this.#library.applyTemplate(t);
    for (const kind of this.#library.kinds()) {
      const constraints = await this.#store.list(constraintStorage(kind));
      for (const c of constraints.items) this.#library.applyConstraint(c);
    }
  }

  async start(): Promise<void> {
    this.#running = true;
    const templates = new Informer(this.#store, TEMPLATE_STORAGE, this.#log);
    templates.on({
      add: (t) => this.#library.applyTemplate(t),
      update: (t) => this.#library.applyTemplate(t),
      delete: (t) => {
        const kind = field(t, 'spec', 'crd', 'spec', 'names', 'kind');
        void this.#templateGone(t.metadata.name ?? '', typeof kind === 'string' ? kind : undefined);
      },
    });
    this.#templates = templates;
    await templates.start();
    await Promise.all(this.#library.kinds().map((kind) => this.#watchKind(kind)));
  }

  async stop(): Promise<void> {
    this.#closed = true;
    this.#running = false;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    await this.#templates?.stop();
    await Promise.all([...this.#constraintInformers.values()].map((i) => i.stop()));
    this.#constraintInformers.clear();
  }

  async #watchKind(kind: string): Promise<void> {
    if (this.#constraintInformers.has(kind) || this.#closed) return;
    const informer = new Informer(this.#store, constraintStorage(kind), this.#log);
    informer.on({
      add: (c) => this.#library.applyConstraint(c),
      update: (c) => this.#library.applyConstraint(c),
      delete: (c) => this.#library.removeConstraint(c.kind, c.metadata.name ?? ''),
    });
    this.#constraintInformers.set(kind, informer);
    try {
      await informer.start();
    } catch (err) {
      this.#log.error({ err, kind }, 'cannot watch constraints');
    }
  }

  /** A template is gone: so are its kind and, as with a CRD, every constraint of that kind. */
  async #templateGone(name: string, storedKind?: string): Promise<void> {
    const kind = storedKind ?? this.#library.template(name)?.kind;
    this.#library.removeTemplate(name);
    if (!kind || this.#closed) return;
    try {
      // Deleted and created again before this ran: the new template's constraints stay.
      const again = await this.#store.get({ resource: TEMPLATE_STORAGE, namespace: '', name });
      if (again) {
        this.#library.applyTemplate(again);
        return;
      }
      const { items } = await this.#store.list(constraintStorage(kind));
      for (const c of items) {
        try {
          await this.#store.delete({
            resource: constraintStorage(kind),
            namespace: '',
            name: c.metadata.name ?? '',
          });
        } catch (err) {
          if (!EdgewiseError.isCode(err, 'EW_NOT_FOUND')) throw err;
        }
      }
    } catch (err) {
      if (!this.#closed)
        this.#log.error({ err, kind }, 'cannot delete the constraints of a deleted template');
    }
  }

  /** Called by admission for Gatekeeper's own kinds: apply the write now, check the store later. */
  admitted(request: AdmissionRequest): void {
    if (request.dryRun || request.subresource) return;
    const group = request.type.group;
    if (request.operation !== 'DELETE') {
      if (group === TEMPLATES_GROUP) this.#library.applyTemplate(request.object);
      else if (group === CONSTRAINTS_GROUP) this.#library.applyConstraint(request.object);
    }
    this.#settle(group, request.type.kind, request.name);
  }

  #settle(group: string, kind: string, name: string): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#verify(group, kind, name);
    }, this.#settleMs);
    timer.unref();
    this.#timers.add(timer);
  }

  async #verify(group: string, kind: string, name: string): Promise<void> {
    try {
      if (group === TEMPLATES_GROUP) {
        const stored = await this.#store.get({ resource: TEMPLATE_STORAGE, namespace: '', name });
        if (stored) this.#library.applyTemplate(stored);
        else await this.#templateGone(name);
      } else {
        const stored = await this.#store.get({ resource: constraintStorage(kind), namespace: '', name });
        if (stored) this.#library.applyConstraint(stored);
        else this.#library.removeConstraint(kind, name);
      }
    } catch (err) {
      if (!this.#closed) this.#log.warn({ err, kind, name }, 'cannot check an admitted Gatekeeper write');
    }
  }
}
