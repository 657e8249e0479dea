/**
 * The node's module cache on disk, content-addressed: `blobs/sha256/<hex>` holds
 * modules by their own digest, `refs/<registry>/<repository>/<tag|digest>.json`
 * remembers what a reference resolved to, so a node restarted without its
 * registry still finds the module it last pulled.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EdgewiseError } from '../../api/errors.js';
import type { ImageReference } from './reference.js';

export interface RefRecord {
  reference: string;
  manifestDigest: string;
  moduleDigest: string;
  layout: 'wasm-artifact' | 'image';
  pulledAt: string;
}

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Throws EW_INVALID (cause DigestMismatch) unless `bytes` hash to `expected`. */
export function verifyDigest(bytes: Uint8Array, expected: string, what: string): void {
  const actual = sha256(bytes);
  if (actual !== expected) {
    throw new EdgewiseError('EW_INVALID', `${what}: digest mismatch, expected ${expected}, got ${actual}`, {
      causes: [{ reason: 'DigestMismatch', message: `expected ${expected}, got ${actual}` }],
    });
  }
}

export class ContentStore {
  constructor(readonly root: string) {
    mkdirSync(path.join(root, 'blobs', 'sha256'), { recursive: true });
  }

  blobPath(digest: string): string {
    return path.join(this.root, 'blobs', 'sha256', digest.slice('sha256:'.length));
  }

  has(digest: string): boolean {
    return existsSync(this.blobPath(digest));
  }

  /** Stores `bytes` under their digest (atomically: temp file then rename). */
  put(bytes: Uint8Array): string {
    const digest = sha256(bytes);
    const file = this.blobPath(digest);
    if (!existsSync(file)) this.atomicWrite(file, bytes);
    return digest;
  }

  private atomicWrite(file: string, bytes: Uint8Array | string): void {
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomUUID()}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
  }

  private refFile(ref: ImageReference, key: string): string {
    const safeRegistry = ref.registry.replaceAll(':', '_');
    return path.join(
      this.root,
      'refs',
      safeRegistry,
      ...ref.repository.split('/'),
      `${key.replace(':', '_')}.json`,
    );
  }

  saveRef(ref: ImageReference, record: RefRecord): void {
    const text = JSON.stringify(record, null, 2);
    if (ref.tag) this.atomicWrite(this.refFile(ref, `tag-${ref.tag}`), text);
    this.atomicWrite(this.refFile(ref, record.manifestDigest), text);
  }

  /** What `ref` last resolved to, if its module is still on disk. */
  loadRef(ref: ImageReference): RefRecord | undefined {
    const file = this.refFile(ref, ref.digest ?? `tag-${ref.tag ?? 'latest'}`);
    if (!existsSync(file)) return undefined;
    const record = JSON.parse(readFileSync(file, 'utf8')) as RefRecord;
    if (!this.has(record.moduleDigest)) return undefined;
    // A cached module file that no longer hashes right is not served.
    verifyDigest(
      readFileSync(this.blobPath(record.moduleDigest)),
      record.moduleDigest,
      `cached module for ${record.reference}`,
    );
    return record;
  }
}
