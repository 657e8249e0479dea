/**
 * The hub's PKI in `<dataDir>/pki/`: `ca.crt`/`ca.key` (made once, kept: agents pin
 * this CA) and `server.crt`/`server.key` (reissued when the wanted names change or
 * expiry nears). Private keys are written 0600.
 */
import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import path from 'node:path';
import { EdgewiseError } from '../../api/errors.js';
import { caCertHash } from '../../api/join.js';
import { ensurePkiDir, PUBLIC_MODE, readOptional, SECRET_MODE, writeFileAtomic } from './files.js';
import { type CertAndKey, issueCa, issueServerCertificate } from './issue.js';
import { requestedSans, sameSans, sanKeysOfCertificate } from './sans.js';

export interface HubPkiOptions {
  dataDir: string;
  /** Extra IPs or DNS names for the server certificate, beyond 127.0.0.1, ::1, localhost and the hostname. */
  sans?: readonly string[];
  /** @default os.hostname() */
  hostname?: string;
  /** @default () => new Date() */
  now?: () => Date;
  /** Reissue the server certificate when less than this much validity remains. @default 30 days */
  renewBeforeMs?: number;
}

export interface HubPki {
  caPem: string;
  /** `sha256:<hex>` over the CA certificate's DER; join tokens carry it. */
  caHash: string;
  /** For `listenHub(hub, listen, pki.tls)`. */
  tls: { cert: string; key: string };
  serverNotAfter: Date;
  /** What this call had to make, and why the server certificate was (re)issued. */
  issued: { ca: boolean; server?: string };
}

const DAY_MS = 24 * 60 * 60 * 1000;

export async function ensureHubPki(options: HubPkiOptions): Promise<HubPki> {
  const dir = ensurePkiDir(options.dataDir);
  const now = options.now ?? (() => new Date());
  const files = {
    caCert: path.join(dir, 'ca.crt'),
    caKey: path.join(dir, 'ca.key'),
    cert: path.join(dir, 'server.crt'),
    key: path.join(dir, 'server.key'),
  };
  let ca = loadCa(files.caCert, files.caKey, now());
  const caIssued = ca === undefined;
  if (!ca) {
    ca = await issueCa({ now: now() });
    // Key first: a crash in between leaves a key without a certificate, which loadCa reports.
    writeFileAtomic(files.caKey, ca.keyPem, SECRET_MODE);
    writeFileAtomic(files.caCert, ca.certPem, PUBLIC_MODE);
  }
  const caCert = new X509Certificate(ca.certPem);
  const sans = requestedSans(options.sans ?? [], options.hostname);
  const current = { certPem: readOptional(files.cert), keyPem: readOptional(files.key) };
  const why = reissueReason(current, caCert, sans, now(), options.renewBeforeMs ?? 30 * DAY_MS);
  let server = current as CertAndKey;
  if (why) {
    server = await issueServerCertificate({ ca, sans, now: now() });
    writeFileAtomic(files.key, server.keyPem, SECRET_MODE);
    writeFileAtomic(files.cert, server.certPem, PUBLIC_MODE);
  }
  return {
    caPem: ca.certPem,
    caHash: caCertHash(caCert),
    tls: { cert: server.certPem, key: server.keyPem },
    serverNotAfter: new Date(new X509Certificate(server.certPem).validTo),
    issued: { ca: caIssued, ...(why && { server: why }) },
  };
}

/**
 * Loads the CA, or returns undefined when neither file exists. Half a CA, a key that
 * does not match, or an expired CA stop the hub: making a new CA silently would cut
 * off every agent that pinned the old one.
 */
function loadCa(certFile: string, keyFile: string, now: Date): CertAndKey | undefined {
  const certPem = readOptional(certFile);
  const keyPem = readOptional(keyFile);
  if (certPem === undefined && keyPem === undefined) return undefined;
  const hint = `restore it from a backup, or remove ${certFile} and ${keyFile} to make a new CA (every agent must then join again)`;
  if (certPem === undefined || keyPem === undefined) {
    throw new EdgewiseError(
      'EW_INTERNAL',
      `the hub CA is incomplete: ${certPem === undefined ? certFile : keyFile} is missing; ${hint}`,
    );
  }
  let cert: X509Certificate;
  let key: KeyObject;
  try {
    cert = new X509Certificate(certPem);
    key = createPrivateKey(keyPem);
  } catch (err) {
    throw new EdgewiseError(
      'EW_INTERNAL',
      `the hub CA in ${path.dirname(certFile)} cannot be read (${(err as Error).message}); ${hint}`,
    );
  }
  if (!cert.ca || !samePublicKey(cert.publicKey, createPublicKey(key))) {
    throw new EdgewiseError(
      'EW_INTERNAL',
      `${certFile} is not a CA certificate for the key in ${keyFile}; ${hint}`,
    );
  }
  if (new Date(cert.validTo) <= now) {
    throw new EdgewiseError(
      'EW_INTERNAL',
      `the hub CA expired on ${cert.validTo}; CA rotation is not supported yet: ${hint}`,
    );
  }
  return { certPem, keyPem };
}

/** Why the server certificate must be made again, or undefined when it is fine as it is. */
function reissueReason(
  current: { certPem?: string | undefined; keyPem?: string | undefined },
  caCert: X509Certificate,
  sans: ReturnType<typeof requestedSans>,
  now: Date,
  renewBeforeMs: number,
): string | undefined {
  if (current.certPem === undefined || current.keyPem === undefined) return 'no server certificate yet';
  let cert: X509Certificate;
  let key: KeyObject;
  try {
    cert = new X509Certificate(current.certPem);
    key = createPrivateKey(current.keyPem);
  } catch {
    return 'the server certificate or key cannot be read';
  }
  if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey))
    return 'the server certificate is not signed by the hub CA';
  if (!samePublicKey(cert.publicKey, createPublicKey(key)))
    return 'the server key does not match its certificate';
  if (!sameSans(sans, sanKeysOfCertificate(cert.subjectAltName))) return 'the server names (SANs) changed';
  if (new Date(cert.validTo).getTime() - now.getTime() < renewBeforeMs)
    return 'the server certificate is close to expiry';
  return undefined;
}

function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  const der = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
  return der(a).equals(der(b));
}
