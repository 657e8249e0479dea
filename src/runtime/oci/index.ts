/** OCI Distribution client for Wasm modules: the surface the agent and CLI use. */

export { caFetch, type FetchLike } from './ca-fetch.js';
export { OciClient, type OciClientOptions, type PulledModule, type PushedModule } from './client.js';
export type { Credentials, RegistryEndpoint } from './http.js';
export * from './media-types.js';
export { formatReference, type ImageReference, parseReference } from './reference.js';
export { ContentStore, sha256, verifyDigest } from './store.js';
