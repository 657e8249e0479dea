/**
 * Files behind the hub's module registry, content-addressed:
 *   blobs/sha256/<hex>                      every blob and manifest body
 *   repositories/<name>/manifests/<hex>     the manifest's media type (links it to the repo)
 *   repositories/<name>/tags/<tag>          the digest the tag points at
 *   uploads/<uuid>                          blob uploads in progress
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export class RegistryStorage {
  constructor(readonly root: string) {
    for (const dir of ['blobs/sha256', 'repositories', 'uploads'])
      mkdirSync(path.join(root, dir), { recursive: true });
  }

  blobPath(digest: string): string {
    return path.join(this.root, 'blobs', 'sha256', digest.slice('sha256:'.length));
  }

  hasBlob(digest: string): boolean {
    return existsSync(this.blobPath(digest));
  }

  blobSize(digest: string): number {
    return statSync(this.blobPath(digest)).size;
  }

  readBlob(digest: string): Buffer {
    return readFileSync(this.blobPath(digest));
  }

  private write(file: string, data: Uint8Array | string): void {
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomUUID()}.tmp`;
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  }

  putBlob(bytes: Uint8Array): string {
    const digest = digestOf(bytes);
    if (!this.hasBlob(digest)) this.write(this.blobPath(digest), bytes);
    return digest;
  }

  startUpload(): string {
    const id = randomUUID();
    writeFileSync(this.uploadPath(id), '');
    return id;
  }

  uploadPath(id: string): string {
    return path.join(this.root, 'uploads', id);
  }

  hasUpload(id: string): boolean {
    return /^[0-9a-f-]{36}$/.test(id) && existsSync(this.uploadPath(id));
  }

  appendUpload(id: string, chunk: Uint8Array): number {
    appendFileSync(this.uploadPath(id), chunk);
    return statSync(this.uploadPath(id)).size;
  }

  /** Moves a finished upload into the blob store if it hashes to `expected`. */
  finishUpload(id: string, expected: string): boolean {
    const bytes = readFileSync(this.uploadPath(id));
    if (digestOf(bytes) !== expected) return false;
    this.putBlob(bytes);
    rmSync(this.uploadPath(id), { force: true });
    return true;
  }

  cancelUpload(id: string): void {
    rmSync(this.uploadPath(id), { force: true });
  }

  private repo(name: string, ...rest: string[]): string {
    return path.join(this.root, 'repositories', ...name.split('/'), ...rest);
  }

  putManifest(name: string, bytes: Uint8Array, mediaType: string, tag?: string): string {
    const digest = this.putBlob(bytes);
    this.write(this.repo(name, '_manifests', digest.slice(7)), mediaType);
    if (tag) this.write(this.repo(name, '_tags', tag), digest);
    return digest;
  }

  /** Resolves a tag or digest to the manifest's digest, body and media type. */
  getManifest(
    name: string,
    reference: string,
  ): { digest: string; mediaType: string; body: Buffer } | undefined {
    let digest = reference;
    if (!reference.startsWith('sha256:')) {
      const tagFile = this.repo(name, '_tags', reference);
      if (!existsSync(tagFile)) return undefined;
      digest = readFileSync(tagFile, 'utf8').trim();
    }
    const link = this.repo(name, '_manifests', digest.slice(7));
    if (!existsSync(link) || !this.hasBlob(digest)) return undefined;
    return { digest, mediaType: readFileSync(link, 'utf8'), body: this.readBlob(digest) };
  }

  deleteManifest(name: string, reference: string): boolean {
    const found = this.getManifest(name, reference);
    if (!found) return false;
    rmSync(this.repo(name, '_manifests', found.digest.slice(7)), { force: true });
    const tagsDir = this.repo(name, '_tags');
    for (const tag of existsSync(tagsDir) ? readdirSync(tagsDir) : []) {
      if (readFileSync(path.join(tagsDir, tag), 'utf8').trim() === found.digest)
        rmSync(path.join(tagsDir, tag));
    }
    return true;
  }

  tags(name: string): string[] | undefined {
    const dir = this.repo(name, '_tags');
    if (!existsSync(this.repo(name))) return undefined;
    return existsSync(dir)
      ? readdirSync(dir)
          .filter((t) => !t.endsWith('.tmp'))
          .sort()
      : [];
  }

  repositories(): string[] {
    const out: string[] = [];
    const walk = (dir: string, prefix: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        if (entry.name === '_manifests') out.push(prefix);
        else if (!entry.name.startsWith('_'))
          walk(path.join(dir, entry.name), prefix ? `${prefix}/${entry.name}` : entry.name);
      }
    };
    walk(path.join(this.root, 'repositories'), '');
    return out.sort();
  }
}
