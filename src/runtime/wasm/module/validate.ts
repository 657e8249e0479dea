/** Checks a compiled module against what the host provides, before any request runs. */
import { EdgewiseError } from '../../../api/errors.js';
import { HOST_FUNCTIONS, HOST_MODULE } from '../host/abi.js';
import { type ModuleImportDescriptor, WA, type WasmModule } from '../wa.js';
import { WASI_FUNCTIONS } from '../wasi/host.js';
import { MEMORY_IMPORT } from './binary.js';
import { isHostFunctionImport } from './host-imports.js';

const WASI_MODULE = 'wasi_snapshot_preview1';

/**
 * Throws EW_INVALID naming every import the host cannot satisfy, or a missing
 * `_start`/`memory` export. Returns the exported function names (for `_routes`).
 * The `edgewise` host functions are known imports here; whether this agent can
 * answer them is the driver's check (driver.ts), made when a workload starts.
 */
export function validateModule(module: WasmModule, source: string, memoryImported: boolean): Set<string> {
  const ours = (imp: ModuleImportDescriptor) =>
    (imp.module === WASI_MODULE && imp.kind === 'function' && WASI_FUNCTIONS.has(imp.name)) ||
    isHostFunctionImport(imp) ||
    // The memory import that importMemory() put there in place of the module's own.
    (memoryImported &&
      imp.module === MEMORY_IMPORT.module &&
      imp.name === MEMORY_IMPORT.name &&
      imp.kind === 'memory');
  const missing = WA.Module.imports(module).filter((imp) => !ours(imp));
  if (missing.length > 0) {
    const names = missing.map((imp) => `"${imp.module}"."${imp.name}" (${imp.kind})`);
    throw new EdgewiseError(
      'EW_INVALID',
      `${source} imports ${names.join(', ')}, which this host does not provide; ` +
        `only WASI preview 1 functions ("${WASI_MODULE}") and the host functions ` +
        `"${HOST_MODULE}".${Object.keys(HOST_FUNCTIONS).join('/')} are available`,
      { causes: missing.map((imp) => ({ reason: 'UnknownImport', message: `${imp.module}.${imp.name}` })) },
    );
  }
  const exports = WA.Module.exports(module);
  const functions = new Set(exports.filter((e) => e.kind === 'function').map((e) => e.name));
  if (!functions.has('_start')) {
    throw new EdgewiseError(
      'EW_INVALID',
      `${source} does not export "_start": a WASI command module is required (WAGI calls _start per request)`,
    );
  }
  if (!exports.some((e) => e.name === 'memory' && e.kind === 'memory')) {
    throw new EdgewiseError(
      'EW_INVALID',
      `${source} does not export its memory as "memory", which WASI requires`,
    );
  }
  return functions;
}
