/** Files under `<dataDir>/pki/`: written whole (temp file + rename) with owner-only modes. */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Private keys and tokens: readable by the hub's user only. */
export const SECRET_MODE = 0o600;
/** Certificates are public, but nothing else needs to write them. */
export const PUBLIC_MODE = 0o644;

export function pkiDir(dataDir: string): string {
  return path.join(dataDir, 'pki');
}

export function ensurePkiDir(dataDir: string): string {
  const dir = pkiDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export function readOptional(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/**
 * Writes through a temp file and a rename so a crash never leaves half a key; the
 * mode is set on the temp file before any byte of a secret lands in it.
 */
export function writeFileAtomic(file: string, data: string, mode: number): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, '', { mode });
  // The umask may have narrowed `mode`; a certificate should still be readable.
  chmodSync(temp, mode);
  writeFileSync(temp, data);
  renameSync(temp, file);
}
