/** The hub's module store feature: OCI Distribution at /v2/ behind the hub's auth. */
export { MODULE_STORE_PREFIX, type ModuleStoreOptions, moduleStoreFeature } from './feature.js';
export { ensureRuntimeClasses, WASM_RUNTIME_CLASSES } from './runtime-classes.js';
