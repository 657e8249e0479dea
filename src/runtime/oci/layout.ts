/**
 * Where the module is inside a manifest: a CNCF Wasm artifact has it as an
 * `application/wasm` layer; a scratch image (FROM scratch, COPY x.wasm /app.wasm,
 * ENTRYPOINT ["/app.wasm"]) has it as the entrypoint file inside a tar layer.
 */
import { gunzipSync } from 'node:zlib';
import { EdgewiseError } from '../../api/errors.js';
import {
  type Descriptor,
  type ImageManifest,
  TAR_GZIP_LAYER_TYPES,
  TAR_LAYER_TYPES,
  WASM_LAYER_TYPES,
} from './media-types.js';
import { findInTar } from './tar.js';

export type BlobFetcher = (descriptor: Descriptor) => Promise<Uint8Array>;

export interface ExtractedModule {
  bytes: Uint8Array;
  layout: 'wasm-artifact' | 'image';
}

interface ImageConfig {
  config?: { Entrypoint?: string[] | null; Cmd?: string[] | null };
}

export async function extractModule(
  manifest: ImageManifest,
  fetchBlob: BlobFetcher,
  what: string,
): Promise<ExtractedModule> {
  if (!Array.isArray(manifest.layers) || !manifest.config) {
    throw new EdgewiseError('EW_INVALID', `${what}: manifest has no config or layers`);
  }
  const wasmLayer = manifest.layers.find((l) => WASM_LAYER_TYPES.has(l.mediaType));
  if (wasmLayer) return { bytes: await fetchBlob(wasmLayer), layout: 'wasm-artifact' };

  const config = JSON.parse(Buffer.from(await fetchBlob(manifest.config)).toString('utf8')) as ImageConfig;
  const entry = config.config?.Entrypoint?.[0] ?? config.config?.Cmd?.[0];
  if (!entry) {
    throw new EdgewiseError(
      'EW_INVALID',
      `${what} has neither an application/wasm layer nor an Entrypoint naming the module file`,
    );
  }
  // The top layer wins: search from the last layer down, stopping at a whiteout.
  for (const layer of [...manifest.layers].reverse()) {
    const tar = await layerTar(layer, fetchBlob, what);
    const found = findInTar(tar, entry);
    if (found.kind === 'file') return { bytes: found.data, layout: 'image' };
    if (found.kind === 'deleted') break;
  }
  throw new EdgewiseError('EW_INVALID', `${what}: entrypoint ${entry} is not a file in any layer`);
}

async function layerTar(layer: Descriptor, fetchBlob: BlobFetcher, what: string): Promise<Uint8Array> {
  if (TAR_LAYER_TYPES.has(layer.mediaType)) return fetchBlob(layer);
  if (TAR_GZIP_LAYER_TYPES.has(layer.mediaType)) return gunzipSync(await fetchBlob(layer));
  throw new EdgewiseError(
    'EW_INVALID',
    `${what}: layer type ${layer.mediaType} is not supported (tar or tar+gzip)`,
  );
}
