/**
 * Makes the hub's certificates: a self-signed CA and server certificates it signs,
 * all ECDSA P-256 with SHA-256. Node's crypto can check certificates but not create
 * them, so this uses @peculiar/x509 over Node's webcrypto. The library (and the
 * reflect-metadata polyfill it requires) is loaded only when a certificate must be
 * made: a hub with a valid certificate, and every CLI verb that imports the hub,
 * never pays its ~180 ms load time or the global polyfill.
 */
import { createPrivateKey, KeyObject, randomBytes, webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';
import type { San } from './sans.js';

export interface CertAndKey {
  certPem: string;
  /** PKCS#8 PEM. */
  keyPem: string;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Edge boxes often boot with a wrong clock; a certificate valid from an hour ago still works on them. */
const BACKDATE_MS = 60 * 60 * 1000;

let library: Promise<typeof X509> | undefined;

function x509(): Promise<typeof X509> {
  library ??= (async () => {
    await import('reflect-metadata');
    const lib = await import('@peculiar/x509');
    lib.cryptoProvider.set(webcrypto as ReturnType<typeof lib.cryptoProvider.get>);
    return lib;
  })();
  return library;
}

/** A positive, non-zero 128-bit serial (RFC 5280 wants positive and at most 20 bytes). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString('hex');
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
}

function privateKeyPem(key: webcrypto.CryptoKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }) as string;
}

async function importSigningKey(pem: string): Promise<webcrypto.CryptoKey> {
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, false, ['sign']);
}

export interface IssueCaOptions {
  now: Date;
  /** @default 3650 (ten years: rotating a CA means re-pinning every agent) */
  validDays?: number;
}

export async function issueCa(options: IssueCaOptions): Promise<CertAndKey> {
  const lib = await x509();
  const keys = await generateKeys();
  const now = options.now.getTime();
  const cert = await lib.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    // The timestamp keeps names of successive CAs apart, as K3s does (`k3s-server-ca@<time>`).
    name: `CN=edgewise-ca@${Math.floor(now / 1000)}, O=edgewise`,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + (options.validDays ?? 3650) * DAY_MS),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new lib.BasicConstraintsExtension(true, 0, true),
      new lib.KeyUsagesExtension(
        lib.KeyUsageFlags.keyCertSign | lib.KeyUsageFlags.cRLSign | lib.KeyUsageFlags.digitalSignature,
        true,
      ),
      await lib.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: privateKeyPem(keys.privateKey) };
}

export interface IssueServerOptions {
  ca: CertAndKey;
  sans: readonly San[];
  now: Date;
  /** @default 365 */
  validDays?: number;
}

export async function issueServerCertificate(options: IssueServerOptions): Promise<CertAndKey> {
  const lib = await x509();
  const caCert = new lib.X509Certificate(options.ca.certPem);
  const signingKey = await importSigningKey(options.ca.keyPem);
  const keys = await generateKeys();
  const now = options.now.getTime();
  const cert = await lib.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: 'CN=edgewise-hub, O=edgewise',
    issuer: caCert.subject,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + (options.validDays ?? 365) * DAY_MS),
    signingKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new lib.BasicConstraintsExtension(false, undefined, true),
      new lib.KeyUsagesExtension(lib.KeyUsageFlags.digitalSignature, true),
      new lib.ExtendedKeyUsageExtension([lib.ExtendedKeyUsage.serverAuth]),
      new lib.SubjectAlternativeNameExtension(options.sans.map((s) => ({ type: s.type, value: s.value }))),
      await lib.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await lib.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: privateKeyPem(keys.privateKey) };
}
