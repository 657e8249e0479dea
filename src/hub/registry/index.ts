/** The hub's OCI module registry. */
export { createRegistryHandler, type RegistryHandler, type RegistryHandlerOptions } from './handler.js';
export { RegistryStorage } from './storage.js';
