/** The hub's admin bearer token: made on first run into `<dataDir>/pki/admin-token` (0600), then reused. */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { EdgewiseError } from '../../api/errors.js';
import { ensurePkiDir, readOptional, SECRET_MODE, writeFileAtomic } from './files.js';

/** 32 random bytes, base64url: a bearer token within RFC 6750's token68 characters. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function adminTokenPath(dataDir: string): string {
  return path.join(dataDir, 'pki', 'admin-token');
}

export function loadOrCreateAdminToken(dataDir: string): string {
  ensurePkiDir(dataDir);
  const file = adminTokenPath(dataDir);
  const existing = readOptional(file)?.trim();
  if (existing !== undefined) {
    // A damaged token file is reported, not replaced: kubeconfigs and scripts hold the old token.
    if (!TOKEN.test(existing)) {
      throw new EdgewiseError(
        'EW_INTERNAL',
        `${file} does not hold an admin token; remove it to make a new one`,
      );
    }
    return existing;
  }
  const token = randomBytes(32).toString('base64url');
  writeFileAtomic(file, `${token}\n`, SECRET_MODE);
  return token;
}
