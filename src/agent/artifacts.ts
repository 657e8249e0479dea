/**
 * Image → Wasm module for the agent. An image without a registry host
 * (`supply-chain-tracker:1.0`) comes from the hub's module store: the hub URL the
 * node joined, the hub's CA pinned, the node's own credential. Any other image comes
 * from its registry (Distribution API; loopback over HTTP). Digests are verified by
 * the OCI client; modules are cached under `<dataDir>/modules`, so a node restarted
 * without its hub still starts what it ran.
 *
 * Pull policies, as Kubernetes defines them, with one edge difference:
 * - `IfNotPresent`: the cache if it has the reference, else the registry;
 * - `Never`: the cache only (ErrImageNeverPull when it is not there);
 * - `Always`: the registry — but when it is unreachable, the module the reference
 *   last resolved to (a site without its uplink keeps serving what it had; the
 *   kubelet would fail the pull instead).
 */
import type { Logger } from 'pino';
import { EdgewiseError } from '../api/errors.js';
import { OciClient, type PulledModule } from '../runtime/oci/index.js';
import { ConfigError } from './reconciler/env.js';
import type { ResolvedArtifact } from './reconciler/reconciler.js';

export interface ArtifactResolverOptions {
  /** The module cache: `<agent dataDir>/modules`. */
  cacheDir: string;
  /** The hub the node joined (`https://host:port`): its `/v2/` is the default registry. */
  hubUrl: string;
  /** The hub's CA (PEM), pinned at join. */
  caPem?: string;
  /** The node's credential: pulls from the hub's store as this node. */
  credential: string;
  /** RuntimeClass handlers whose images are Wasm modules; others need no artifact. */
  handlers: ReadonlySet<string>;
  logger: Logger;
  /** Registries reached over plain HTTP besides loopback ones. */
  insecureRegistries?: string[];
  /**
   * Registries whose images come from the hub's module store instead (as K3s's
   * registries.yaml mirrors): `registry.example.com/app:1` pulls `app:1` from the hub.
   * Sites behind a firewall reach only their hub; manifests keep their image names.
   */
  mirrors?: string[];
  /** Per-request timeout. @default 30000 */
  timeoutMs?: number;
}

export type ArtifactResolver = (
  image: string,
  handler: string,
  pullPolicy: string,
) => Promise<ResolvedArtifact | undefined>;

/** The registry name images without a host resolve to: the hub's `host:port`. */
export function hubRegistryHost(hubUrl: string): string {
  return new URL(hubUrl).host;
}

export function createArtifactResolver(options: ArtifactResolverOptions): {
  resolve: ArtifactResolver;
  client: OciClient;
} {
  const hubHost = hubRegistryHost(options.hubUrl);
  const hubEndpoint = {
    url: new URL(options.hubUrl).origin,
    ...(options.caPem && { ca: options.caPem }),
    authorization: `Bearer ${options.credential}`,
  };
  const client = new OciClient({
    cacheDir: options.cacheDir,
    defaultRegistry: hubHost,
    endpoints: Object.fromEntries([hubHost, ...(options.mirrors ?? [])].map((host) => [host, hubEndpoint])),
    ...(options.insecureRegistries && { insecureRegistries: options.insecureRegistries }),
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
  });
  const log = options.logger.child({ component: 'agent.modules' });

  async function pull(image: string, pullPolicy: string): Promise<PulledModule> {
    let ref: ReturnType<OciClient['parse']>;
    try {
      ref = client.parse(image);
    } catch (err) {
      throw new ConfigError((err as Error).message, 'InvalidImageName');
    }
    const where = ref.registry === hubHost ? "the hub's module store" : ref.registry;
    if (pullPolicy === 'Never' || (pullPolicy === 'IfNotPresent' && client.store.loadRef(ref))) {
      try {
        return await client.pull(image, { offline: true });
      } catch (err) {
        if (pullPolicy !== 'Never') throw err;
        throw new ConfigError(
          `image ${image} is not in the node's module cache and imagePullPolicy is Never`,
          'ErrImageNeverPull',
        );
      }
    }
    try {
      const pulled = await client.pull(image);
      if (pulled.fromCache)
        log.warn(`${where} is unreachable; running the cached module of ${image} (${pulled.digest})`);
      else
        log.info({ digest: pulled.digest, manifest: pulled.manifestDigest }, `pulled ${image} from ${where}`);
      return pulled;
    } catch (err) {
      throw explain(err, image, where);
    }
  }

  return {
    client,
    async resolve(image, handler, pullPolicy) {
      if (!options.handlers.has(handler)) return undefined;
      const pulled = await pull(image, pullPolicy);
      return { path: pulled.path, digest: pulled.digest };
    },
  };
}

/** Says which image failed and why, in the words `kubectl describe` shows. */
function explain(err: unknown, image: string, where: string): Error {
  if (!EdgewiseError.is(err)) return err as Error;
  const causes = err.details?.causes?.map((c) => c.reason) ?? [];
  if (err.code === 'EW_NOT_FOUND')
    return new Error(`failed to pull image "${image}": not found in ${where}: ${err.message}`);
  if (causes.includes('DigestMismatch'))
    return new Error(`failed to pull image "${image}": content does not match its digest: ${err.message}`);
  if (err.code === 'EW_UNAVAILABLE')
    return new Error(
      `failed to pull image "${image}": ${where} is unreachable and the node has no cached copy (${err.message})`,
    );
  return new Error(`failed to pull image "${image}": ${err.message}`);
}
