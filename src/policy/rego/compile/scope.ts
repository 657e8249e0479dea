/**
 * Variable scopes of one rule (or query). A body is a scope; comprehension and
 * `every` bodies are nested scopes. `:=`, `some` and function parameters
 * declare a variable in the current scope (shadowing outer names); any other
 * variable is a unification variable of the innermost scope that mentions it,
 * unless an enclosing body mentions it too — then it is that body's variable.
 */
import { RegoError } from '../errors.js';
import type { Loc } from '../syntax/ast.js';

export class Scope {
  readonly declared = new Map<string, number>();
  readonly implicit = new Map<string, number>();
  /** Names that occur at the top level of this scope's body (looked ahead). */
  readonly bodyNames: Set<string>;

  constructor(
    readonly id: number,
    readonly parent: Scope | undefined,
    bodyNames: Set<string>,
  ) {
    this.bodyNames = bodyNames;
  }
}

/** Allocates the slots of one rule's frame. */
export class Frame {
  readonly names: string[] = [];
  /** Scope id owning each slot. */
  readonly owner: number[] = [];
  private scopes = 0;

  newScope(parent: Scope | undefined, bodyNames: Set<string>): Scope {
    return new Scope(this.scopes++, parent, bodyNames);
  }

  newSlot(name: string, scope: Scope): number {
    this.names.push(name);
    this.owner.push(scope.id);
    return this.names.length - 1;
  }

  /** Declares `name` in `scope` (`:=`, `some`, parameters). */
  declare(scope: Scope, name: string, loc: Loc, how: 'assign' | 'some' | 'arg'): number {
    if (name.startsWith('$')) return this.newSlot('_', scope);
    if (scope.declared.has(name)) {
      if (how === 'arg') return scope.declared.get(name) as number;
      throw RegoError.one('rego_compile_error', `var ${name} assigned above`, loc);
    }
    if (scope.implicit.has(name)) {
      throw RegoError.one('rego_compile_error', `var ${name} referenced above`, loc);
    }
    const slot = this.newSlot(name, scope);
    scope.declared.set(name, slot);
    return slot;
  }

  /** A declared variable visible from `scope`, if any. */
  findDeclared(scope: Scope, name: string): number | undefined {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const d = s.declared.get(name);
      if (d !== undefined) return d;
    }
    return undefined;
  }

  /** The unification variable `name` as seen from `scope`, created where it belongs. */
  implicitVar(scope: Scope, name: string): number {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const d = s.implicit.get(name);
      if (d !== undefined) return d;
    }
    // An enclosing body that mentions the name owns it (it binds it there).
    let owner = scope;
    for (let s: Scope | undefined = scope.parent; s; s = s.parent) {
      if (s.bodyNames.has(name)) owner = s;
    }
    const slot = this.newSlot(name, owner);
    owner.implicit.set(name, slot);
    return slot;
  }
}
