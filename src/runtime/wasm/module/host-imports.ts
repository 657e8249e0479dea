/**
 * Which `edgewise` host function groups a module imports, checked against their
 * signatures. A module that imports none of them costs nothing extra: no group, no
 * service needed, no evaluator loaded for it.
 */
import { EdgewiseError } from '../../../api/errors.js';
import { HOST_FUNCTIONS, HOST_MODULE } from '../host/abi.js';
import type { ModuleImportDescriptor } from '../wa.js';
import { functionImports } from './function-imports.js';

/** True for an import the host functions provide (by name; signatures are checked by hostGroups). */
export function isHostFunctionImport(imp: ModuleImportDescriptor): boolean {
  return imp.module === HOST_MODULE && imp.kind === 'function' && Object.hasOwn(HOST_FUNCTIONS, imp.name);
}

/**
 * The HostGroup bits of the host functions `imports` names; throws EW_INVALID when
 * one is imported with another signature than the host's.
 */
export function hostGroups(
  bytes: Uint8Array,
  imports: readonly ModuleImportDescriptor[],
  source: string,
): number {
  const used = imports.filter(isHostFunctionImport);
  if (used.length === 0) return 0;
  let groups = 0;
  for (const imp of used) groups |= (HOST_FUNCTIONS[imp.name] as { group: number }).group;
  const typed = functionImports(bytes, source);
  if (!typed) return groups;
  const wrong: string[] = [];
  for (const f of typed) {
    const spec = f.module === HOST_MODULE ? HOST_FUNCTIONS[f.name] : undefined;
    if (!spec) continue;
    const want = signature(spec.params, spec.results);
    const got = signature(f.params, f.results);
    if (want !== got) wrong.push(`"${HOST_MODULE}"."${f.name}" is ${got}, the host's is ${want}`);
  }
  if (wrong.length > 0) {
    throw new EdgewiseError(
      'EW_INVALID',
      `${source} imports host functions with the wrong signature: ${wrong.join('; ')}`,
      {
        causes: wrong.map((message) => ({ reason: 'ImportSignature', message })),
      },
    );
  }
  return groups;
}

function signature(params: readonly string[], results: readonly string[]): string {
  return `(${params.join(', ')}) -> (${results.join(', ')})`;
}
