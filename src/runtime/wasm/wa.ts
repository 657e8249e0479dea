/**
 * Types for the WebAssembly JS API. The project compiles with `lib: ES2023` and no
 * DOM, which leaves `WebAssembly` untyped; rather than declare a global that other
 * parts could collide with, the runtime reaches it through this typed handle.
 */

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(delta: number): number;
}

export interface WasmModule {
  readonly __brand?: 'WebAssembly.Module';
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface ModuleImportDescriptor {
  module: string;
  name: string;
  kind: 'function' | 'table' | 'memory' | 'global' | 'tag';
}

export interface ModuleExportDescriptor {
  name: string;
  kind: 'function' | 'table' | 'memory' | 'global' | 'tag';
}

export type WasmImports = Record<string, Record<string, unknown>>;

export interface WebAssemblyApi {
  Module: {
    new (bytes: Uint8Array): WasmModule;
    imports(module: WasmModule): ModuleImportDescriptor[];
    exports(module: WasmModule): ModuleExportDescriptor[];
  };
  Instance: new (module: WasmModule, imports?: WasmImports) => WasmInstance;
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  compile(bytes: Uint8Array): Promise<WasmModule>;
  validate(bytes: Uint8Array): boolean;
  CompileError: new (message?: string) => Error;
  LinkError: new (message?: string) => Error;
  RuntimeError: new (message?: string) => Error;
}

export const WA = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

export function isMemory(value: unknown): value is WasmMemory {
  return value instanceof (WA.Memory as unknown as new () => object);
}
