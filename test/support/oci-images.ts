/** Builds OCI/Docker image content for tests: tar layers, configs, manifests. */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export function digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A ustar archive of regular files (and `.wh.` whiteouts given as empty files). */
export function tar(files: Record<string, Uint8Array | string>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.from(content);
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write(`${'0'.repeat(11)}\0`, 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    parts.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function gzipTar(files: Record<string, Uint8Array | string>): Buffer {
  return gzipSync(tar(files));
}

export function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

export function descriptor(mediaType: string, bytes: Uint8Array, extra: Record<string, unknown> = {}) {
  return { mediaType, digest: digest(bytes), size: bytes.length, ...extra };
}
