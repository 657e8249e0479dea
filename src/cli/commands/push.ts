/**
 * `edgewise push <file.wasm> --name NAME[:TAG] [--to REGISTRY]`: publishes a Wasm
 * module as a CNCF Wasm artifact — by default to the hub's module store (`/v2/` on
 * the hub, over HTTPS with the hub's CA and the CLI's admin token), else to any OCI
 * registry. Pods then name it as `image: NAME:TAG` (hub) or `REGISTRY/NAME:TAG`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { EdgewiseError } from '../../api/errors.js';
import {
  formatReference,
  OciClient,
  parseReference,
  type RegistryEndpoint,
} from '../../runtime/oci/index.js';
import type { HubConnection } from '../client.js';
import type { CliContext } from '../context.js';
import { UserError } from '../errors.js';

const WASM_MAGIC = Buffer.from([0x00, 0x61, 0x73, 0x6d]);
/** The engine's validator (the project's lib has no DOM types, so WebAssembly is reached untyped). */
const wasmValidate = (bytes: Uint8Array): boolean =>
  (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate(
    bytes,
  );

export interface PushRequest {
  /** Path of the module. */
  file: string;
  /** `name[:tag]`, optionally with a registry host. */
  name: string;
  /** A registry (`host[:port]`) to push to instead of the hub. */
  to?: string;
  hub: HubConnection;
  /** For `--to` registries. */
  username?: string;
  password?: string;
  /** Speak plain HTTP to the `--to` registry (loopback registries always are). */
  insecure?: boolean;
}

export interface PushResult {
  /** What a pod's `image:` says: `name:tag` for the hub's store, else the full reference. */
  image: string;
  /** Where it went: the full reference. */
  reference: string;
  toHub: boolean;
  digest: string;
  manifestDigest: string;
  bytes: number;
}

/** Reads a module and refuses anything that is not valid WebAssembly, before any upload. */
export function readModule(file: string): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new UserError(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (bytes.length < 8 || !bytes.subarray(0, 4).equals(WASM_MAGIC))
    throw new UserError(
      `${file} is not a WebAssembly module (a module starts with the bytes \\0asm); build it first, e.g. npm run build:examples`,
    );
  if (bytes.readUInt32LE(4) !== 1)
    throw new UserError(
      `${file} is WebAssembly version ${bytes.readUInt32LE(4)}; only version 1 modules run here`,
    );
  if (!wasmValidate(bytes))
    throw new UserError(`${file} is not a valid WebAssembly module (it fails validation)`);
  return new Uint8Array(bytes);
}

export async function pushModule(request: PushRequest): Promise<PushResult> {
  const module = readModule(request.file);
  const hubHost = new URL(request.hub.server).host;
  let ref: ReturnType<typeof parseReference>;
  try {
    ref = parseReference(request.name, hubHost);
    if (request.to) {
      if (ref.registry !== hubHost)
        throw new UserError(`--name ${request.name} names a registry already; leave out --to ${request.to}`);
      ref = parseReference(`${request.to.replace(/\/+$/, '')}/${request.name}`, hubHost);
    }
  } catch (err) {
    if (EdgewiseError.is(err)) throw new UserError(err.message);
    throw err;
  }
  if (ref.digest) throw new UserError(`--name takes a name and tag, not a digest (${request.name})`);
  const toHub = ref.registry === hubHost;
  const endpoints: Record<string, RegistryEndpoint> = {};
  if (toHub) {
    if (!request.hub.token)
      throw new UserError(
        "pushing to the hub's module store needs the admin token (--token, EDGEWISE_TOKEN or the hub's kubeconfig)",
      );
    endpoints[hubHost] = {
      url: new URL(request.hub.server).origin,
      ...(request.hub.ca && { ca: request.hub.ca }),
      authorization: `Bearer ${request.hub.token}`,
    };
  }
  // Push keeps nothing: the client's cache directory is only needed for pulls.
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'edgewise-push-'));
  try {
    const client = new OciClient({
      cacheDir: scratch,
      defaultRegistry: hubHost,
      endpoints,
      ...(request.insecure && { insecureRegistries: [ref.registry] }),
      ...(request.username && {
        credentials: { [ref.registry]: { username: request.username, password: request.password ?? '' } },
      }),
    });
    const pushed = await client.push(formatReference(ref), module, {
      'org.opencontainers.image.title': path.basename(request.file),
      'org.opencontainers.image.created': new Date().toISOString(),
    });
    const short = `${ref.repository}:${ref.tag ?? 'latest'}`;
    return {
      image: toHub ? short : pushed.reference,
      reference: pushed.reference,
      toHub,
      digest: pushed.digest,
      manifestDigest: pushed.manifestDigest,
      bytes: module.length,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

interface PushOptions {
  name: string;
  to?: string;
  username?: string;
  insecure?: boolean;
}

export function registerPush(program: Command, context: () => CliContext): void {
  program
    .command('push')
    .description("Publish a Wasm module to the hub's module store (default) or an OCI registry")
    .argument('<file>', 'the .wasm module')
    .requiredOption('--name <name[:tag]>', 'what pods call it, e.g. supply-chain-tracker:1.0')
    .option('--to <registry>', 'push to this OCI registry (host[:port]) instead of the hub')
    .option(
      '--username <user>',
      'user for the --to registry; the password comes from EDGEWISE_REGISTRY_PASSWORD',
    )
    .option('--insecure', 'speak plain HTTP to the --to registry (loopback registries always do)')
    .action(async (file: string, opts: PushOptions) => {
      const ctx = context();
      const result = await pushModule({
        file,
        name: opts.name,
        hub: ctx.client.connection,
        ...(opts.to && { to: opts.to }),
        ...(opts.username && { username: opts.username }),
        ...(ctx.io.env.EDGEWISE_REGISTRY_PASSWORD && { password: ctx.io.env.EDGEWISE_REGISTRY_PASSWORD }),
        ...(opts.insecure && { insecure: true }),
      });
      ctx.out(
        [
          `pushed ${file} (${result.bytes} bytes) to ${result.toHub ? "the hub's module store" : result.reference}`,
          `  module    ${result.digest}`,
          `  manifest  ${result.manifestDigest}`,
          `  use it as image: ${result.image}`,
        ].join('\n'),
      );
    });
}
