/**
 * The compile pipeline: parse every module, resolve names, place rules in the
 * rule tree, check safety (reordering bodies) and recursion, then generate the
 * closures and attach them to the tree. Errors of all modules are collected
 * and thrown together, each with file:line:col.
 */
import { BUILTINS, hasBuiltin } from '../builtins/index.js';
import { Codegen } from '../codegen/index.js';
import { RegoError, type RegoErrorDetail } from '../errors.js';
import type { DocNode } from '../eval/tree.js';
import type { Module, RegoVersion } from '../syntax/ast.js';
import { parseModule } from '../syntax/parser.js';
import { equals } from '../value/value.js';
import { hoistRule } from './hoist.js';
import type { FnTarget, RRule } from './ir.js';
import { checkRecursion } from './recursion.js';
import { type ResolveEnv, resolveModule } from './resolve.js';
import { checkRule, type SafetyEnv } from './safety.js';
import { buildTree } from './tree-build.js';
import { typecheckRule } from './typecheck.js';

export interface ModuleSource {
  /** File name used in error locations. */
  path: string;
  source: string;
}

export interface CompileOptions {
  /** Syntax of modules: per module when 'auto' (see parseModule). @default 'auto' */
  regoVersion?: RegoVersion | 'auto';
  /** Apply v1's compile-time checks (no deprecated builtins, no shadowing input/data) to v0 modules too. @default false */
  strict?: boolean;
}

export interface Image {
  root: DocNode;
  modules: Module[];
  env: ResolveEnv;
  cg: Codegen;
  safety: Omit<SafetyEnv, 'owner' | 'names' | 'file'>;
}

function collect<T>(errors: RegoErrorDetail[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (RegoError.isRegoError(e)) {
      errors.push(...e.errors);
      return undefined;
    }
    throw e;
  }
}

function firstName(r: Module['rules'][number]): string {
  return (r.head.ref[0] as { name: string }).name;
}

export function buildEnv(modules: Module[], strict: boolean): ResolveEnv {
  const pkgNames = new Map<string, Set<string>>();
  const funcPaths = new Set<string>();
  const funcArity = new Map<string, number>();
  for (const m of modules) {
    const key = m.pkg.join('.');
    let names = pkgNames.get(key);
    if (!names) {
      names = new Set();
      pkgNames.set(key, names);
    }
    for (const r of m.rules) {
      names.add(firstName(r));
      if (r.head.args) {
        const parts = r.head.ref.map((t, i) =>
          i === 0 ? (t as { name: string }).name : t.type === 'string' ? t.value : undefined,
        );
        if (parts.every((p) => p !== undefined)) {
          const key = [...m.pkg, ...parts].join('.');
          funcPaths.add(key);
          if (!funcArity.has(key)) funcArity.set(key, r.head.args.length);
        }
      }
    }
  }
  return {
    pkgNames,
    funcPaths,
    hasBuiltin: (name, v1) => hasBuiltin(name, v1 || strict),
    strict,
    arity: (fn) =>
      fn.kind === 'builtin' ? (BUILTINS.get(fn.name)?.arity ?? -1) : (funcArity.get(fn.path.join('.')) ?? -1),
  };
}

export function compileModules(sources: ModuleSource[], opts: CompileOptions = {}): Image {
  const errors: RegoErrorDetail[] = [];
  const version = opts.regoVersion ?? 'auto';
  const modules: Module[] = [];
  for (const s of sources) {
    const m = collect(errors, () => parseModule(s.path, s.source, version));
    if (m) modules.push(m);
  }
  if (errors.length) throw new RegoError(errors);

  const env = buildEnv(modules, opts.strict === true);
  const rules: RRule[] = [];
  for (const m of modules) {
    const rs = collect(errors, () => resolveModule(m, env));
    if (rs) rules.push(...rs);
  }
  if (errors.length) throw new RegoError(errors);

  const built = collect(errors, () =>
    buildTree(
      rules,
      modules.map((m) => m.pkg),
    ),
  );
  if (!built) throw new RegoError(errors);
  const { root, placements } = built;
  const cg = new Codegen(root, BUILTINS);
  for (const { rule, node } of placements) {
    if (rule.kind === 'func') cg.plannedArity.set(node.path.join('.'), rule.args?.length ?? 0);
  }
  const arity = (fn: FnTarget): number => cg.arity(fn);
  for (const r of rules) {
    hoistRule(r);
    collect(errors, () => typecheckRule(r));
    collect(errors, () => checkRule(r, { arity, owner: r.slotOwners, names: r.slotNames, file: r.file }));
  }
  if (errors.length) throw new RegoError(errors);
  collect(errors, () => checkRecursion(root, placements));
  if (errors.length) throw new RegoError(errors);

  for (const { rule, node } of placements) {
    const cr = cg.rule(rule, node);
    if (rule.kind === 'func') {
      if (rule.isDefault) node.defaultFunc = cr;
      else node.funcs.push(cr);
    } else if (rule.staticLen < rule.ref.length) node.refRules.push(cr);
    else if (rule.kind === 'multi') node.multi.push(cr);
    else if (rule.isDefault) node.defaultRule = cr;
    else node.complete.push(cr);
  }
  for (const { node } of placements) markSharedConst(node);
  return { root, modules, env, cg, safety: { arity } };
}

function markSharedConst(node: DocNode): void {
  const rs = node.complete;
  if (rs.length === 0 || rs.some((r) => r.else !== null || r.constValue === undefined)) return;
  const v = rs[0]?.constValue;
  if (v !== undefined && rs.every((r) => equals(r.constValue as never, v))) node.sharedConst = v;
}
