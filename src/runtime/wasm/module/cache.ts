/**
 * Compiled modules, once per node: keyed by the module's sha256 digest and the
 * memory cap baked into it, shared by every workload and request that uses them.
 */
import { createHash } from 'node:crypto';
import { EdgewiseError } from '../../../api/errors.js';
import { WA, type WasmModule } from '../wa.js';
import { checkHeader, importMemory, WASM_PAGE } from './binary.js';
import { mergeDataSegments } from './data-segments.js';
import { hostGroups } from './host-imports.js';
import { validateModule } from './validate.js';

export interface CompiledModule {
  /** Cache key: `<digest>@<max pages>`. */
  readonly key: string;
  readonly digest: string;
  readonly module: WasmModule;
  /** Linear memory ceiling in bytes, as rewritten into the module. */
  readonly memoryLimitBytes: number;
  readonly exports: ReadonlySet<string>;
  readonly size: number;
  /** Set when the module's memory became an `edgewise.memory` import: the limits to create it with. */
  readonly memory: { initial: number; maximum: number } | undefined;
  /** HostGroup bits of the `edgewise` host functions it imports (0: none). */
  readonly hostImports: number;
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export class ModuleCache {
  private readonly entries = new Map<string, { refs: number; compiled: Promise<CompiledModule> }>();

  /** Number of distinct compiled modules held. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Returns the compiled module for `bytes`, compiling at most once per
   * (digest, memory limit). Callers must `release()` the key when done.
   */
  acquire(
    bytes: Uint8Array,
    digest: string,
    memoryLimitBytes: number,
    source: string,
  ): Promise<CompiledModule> {
    const pages = Math.max(1, Math.floor(memoryLimitBytes / WASM_PAGE));
    const key = `${digest}@${pages}`;
    const hit = this.entries.get(key);
    if (hit) {
      hit.refs++;
      return hit.compiled;
    }
    const compiled = compile(bytes, digest, pages, key, source);
    const entry = { refs: 1, compiled };
    this.entries.set(key, entry);
    // A failed compile must not stay cached: the next start may bring fixed bytes.
    compiled.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return compiled;
  }

  /** Drops one reference; returns true when the module was evicted. */
  release(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    entry.refs--;
    if (entry.refs > 0) return false;
    this.entries.delete(key);
    return true;
  }
}

async function compile(
  bytes: Uint8Array,
  digest: string,
  pages: number,
  key: string,
  source: string,
): Promise<CompiledModule> {
  checkHeader(bytes, source);
  const capped = importMemory(bytes, pages, source);
  let module: WasmModule;
  try {
    module = await WA.compile(mergeDataSegments(capped.bytes, source));
  } catch (err) {
    throw new EdgewiseError(
      'EW_INVALID',
      `${source} is not a valid WebAssembly module: ${(err as Error).message}`,
      undefined,
      {
        cause: err,
      },
    );
  }
  const exports = validateModule(module, source, capped.imported);
  const hostImports = hostGroups(bytes, WA.Module.imports(module), source);
  return {
    key,
    digest,
    module,
    memoryLimitBytes: (capped.maxPages ?? pages) * WASM_PAGE,
    exports,
    size: bytes.length,
    memory: capped.imported ? { initial: capped.minPages, maximum: capped.maxPages as number } : undefined,
    hostImports,
  };
}
