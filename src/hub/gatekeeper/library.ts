/**
 * The policy library in force: compiled templates, the constraint kind each one
 * registers in the hub's registry, and the constraints of each kind. Admission,
 * the webhook and audit read it; LibrarySync keeps it in step with the store.
 */
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import type { ResourceRegistry } from '../../api/registry.js';
import { type Constraint, constraintType, toConstraint } from './constraint.js';
import { CONSTRAINTS_GROUP, CONSTRAINTS_VERSION } from './names.js';
import { type CompiledTemplate, readTemplate } from './template.js';

export interface LibraryEntry {
  template: CompiledTemplate;
  constraint: Constraint;
}

export interface LibraryListener {
  /** A constraint kind was registered (a new template, or its kind changed). */
  kindAdded?(kind: string): void;
  kindRemoved?(kind: string): void;
  /** Anything changed: a template or a constraint. `spec` is false for status-only writes. */
  changed?(what: { template?: string; constraint?: string; spec: boolean }): void;
}

interface TemplateState {
  template: CompiledTemplate;
  constraints: Map<string, Constraint>;
}

function sameGeneration(a: KubeObject | undefined, b: KubeObject): boolean {
  return (
    a !== undefined &&
    a.metadata.generation !== undefined &&
    a.metadata.generation === b.metadata.generation &&
    a.metadata.uid === b.metadata.uid
  );
}

export class PolicyLibrary {
  readonly #registry: ResourceRegistry;
  readonly #log: Logger;
  /** By template name. */
  readonly #templates = new Map<string, TemplateState>();
  /** Constraint kind → template name. */
  readonly #kinds = new Map<string, string>();
  readonly #listeners: LibraryListener[] = [];
  #snapshot: LibraryEntry[] | undefined;

  constructor(registry: ResourceRegistry, logger: Logger) {
    this.#registry = registry;
    this.#log = logger;
  }

  listen(listener: LibraryListener): void {
    this.#listeners.push(listener);
  }

  #emit(fn: (l: LibraryListener) => void): void {
    this.#snapshot = undefined;
    for (const l of this.#listeners) {
      try {
        fn(l);
      } catch (err) {
        this.#log.error({ err }, 'gatekeeper library listener threw');
      }
    }
  }

  /** Compiles and installs a template; registers its constraint kind. Returns undefined if it no longer compiles. */
  applyTemplate(object: KubeObject): CompiledTemplate | undefined {
    const name = object.metadata.name ?? '';
    const existing = this.#templates.get(name);
    const { template, problems } = readTemplate(object);
    if (!template) {
      this.#log.error(
        { template: name, problems },
        'stored ConstraintTemplate does not compile; not enforced',
      );
      if (existing) this.removeTemplate(name);
      return undefined;
    }
    const spec = !sameGeneration(existing?.template.object, object);
    if (existing && existing.template.kind !== template.kind) this.removeTemplate(name);
    const state = this.#templates.get(name);
    if (state) {
      const schemaChanged = state.template.constraintSchema !== template.constraintSchema;
      state.template = template;
      if (schemaChanged) this.#registry.register(constraintType(template));
      this.#emit((l) => l.changed?.({ template: name, spec }));
      return template;
    }
    const owner = this.#kinds.get(template.kind);
    if (owner !== undefined && owner !== name) {
      this.#log.error(
        { template: name, kind: template.kind, owner },
        'constraint kind already defined by another template',
      );
      return undefined;
    }
    this.#templates.set(name, { template, constraints: new Map() });
    this.#kinds.set(template.kind, name);
    this.#registry.register(constraintType(template));
    this.#emit((l) => l.kindAdded?.(template.kind));
    this.#emit((l) => l.changed?.({ template: name, spec: true }));
    return template;
  }

  /** Unregisters the template's constraint kind and forgets its constraints. */
  removeTemplate(name: string): void {
    const state = this.#templates.get(name);
    if (!state) return;
    const kind = state.template.kind;
    this.#templates.delete(name);
    this.#kinds.delete(kind);
    this.#registry.unregister(CONSTRAINTS_GROUP, CONSTRAINTS_VERSION, kind.toLowerCase());
    this.#emit((l) => l.kindRemoved?.(kind));
    this.#emit((l) => l.changed?.({ template: name, spec: true }));
  }

  applyConstraint(object: KubeObject): void {
    const state = this.#stateForKind(object.kind);
    if (!state) return;
    const name = object.metadata.name ?? '';
    const previous = state.constraints.get(name);
    try {
      state.constraints.set(name, toConstraint(object));
    } catch (err) {
      this.#log.error(
        { err, kind: object.kind, constraint: name },
        'constraint cannot be read; not enforced',
      );
      state.constraints.delete(name);
    }
    const spec = !sameGeneration(previous?.object, object);
    this.#emit((l) => l.changed?.({ constraint: `${object.kind}/${name}`, spec }));
  }

  removeConstraint(kind: string, name: string): void {
    const state = this.#stateForKind(kind);
    if (!state?.constraints.delete(name)) return;
    this.#emit((l) => l.changed?.({ constraint: `${kind}/${name}`, spec: true }));
  }

  #stateForKind(kind: string): TemplateState | undefined {
    const name = this.#kinds.get(kind);
    return name === undefined ? undefined : this.#templates.get(name);
  }

  template(name: string): CompiledTemplate | undefined {
    return this.#templates.get(name)?.template;
  }

  templateForKind(kind: string): CompiledTemplate | undefined {
    return this.#stateForKind(kind)?.template;
  }

  templates(): CompiledTemplate[] {
    return [...this.#templates.values()].map((s) => s.template);
  }

  kinds(): string[] {
    return [...this.#kinds.keys()];
  }

  constraint(kind: string, name: string): Constraint | undefined {
    return this.#stateForKind(kind)?.constraints.get(name);
  }

  /** Every constraint with its template, ordered by kind then name (stable messages). */
  entries(): readonly LibraryEntry[] {
    if (this.#snapshot) return this.#snapshot;
    const out: LibraryEntry[] = [];
    for (const state of this.#templates.values()) {
      for (const constraint of state.constraints.values()) out.push({ template: state.template, constraint });
    }
    out.sort((a, b) =>
      a.constraint.kind === b.constraint.kind
        ? a.constraint.name.localeCompare(b.constraint.name)
        : a.constraint.kind.localeCompare(b.constraint.kind),
    );
    this.#snapshot = out;
    return out;
  }
}
