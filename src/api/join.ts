/**
 * The join contract between hub, agent and CLI: the join token format, the CA hash it
 * carries, and the bodies of the `/join/v1/…` endpoints. It lives in api/ because
 * the hub issues and checks tokens while the agent parses them and pins the CA, and
 * neither may import the other.
 *
 * Token: `EW1<ca-hash-hex>::<id>.<secret>` — `EW1` (format version 1), the 64 hex
 * digits of SHA-256 over the hub CA certificate's DER, then a kubeadm-style bootstrap
 * token: id 6 chars and secret 16 chars of [a-z0-9]. The hub also accepts the bare
 * `<id>.<secret>` part, as kubeadm does; an agent needs the full form to pin the CA.
 */
import { createHash, randomInt, X509Certificate } from 'node:crypto';
import { EdgewiseError } from './errors.js';

export const JOIN_PATHS = {
  /** GET, unauthenticated: the hub CA certificate as PEM. */
  ca: '/join/v1/ca',
  /** POST a JoinRequest, unauthenticated (the token is the credential): a JoinResponse. */
  nodes: '/join/v1/nodes',
  /** Admins: POST a CreateTokenRequest, GET the list, DELETE `/<id>`. */
  tokens: '/join/v1/tokens',
} as const;

export interface JoinRequest {
  token: string;
  nodeName: string;
  /** A random UUID the agent generated once and keeps in its data dir. */
  machineId: string;
}

export interface JoinResponse {
  /** Bearer credential for the node; the hub keeps only its SHA-256. */
  credential: string;
  caPem: string;
  nodeName: string;
}

export interface CreateTokenRequest {
  /** Lifetime in seconds; 0 means the token never expires. */
  ttlSeconds: number;
  oneTime?: boolean;
  description?: string;
}

/** What the hub tells about a token; never its secret. */
export interface JoinTokenInfo {
  id: string;
  /** RFC 3339; absent when the token never expires. */
  expires?: string;
  oneTime: boolean;
  description?: string;
  /** One-time tokens: the node that used it, and when. */
  usedBy?: string;
  usedAt?: string;
  createdAt?: string;
}

export interface CreateTokenResponse {
  token: string;
  info: JoinTokenInfo;
}

export interface JoinTokenList {
  items: JoinTokenInfo[];
}

export interface JoinToken {
  /** `sha256:<hex>`; absent for a bare `<id>.<secret>` token. */
  caHash?: string;
  id: string;
  secret: string;
}

const FULL_TOKEN = /^EW1([0-9a-f]{64})::([a-z0-9]{6})\.([a-z0-9]{16})$/;
const BARE_TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const TOKEN_ID_PATTERN = /^[a-z0-9]{6}$/;

/** Parses a join token; the message never repeats the token (it is a secret). */
export function parseJoinToken(text: string, options: { requireCaHash?: boolean } = {}): JoinToken {
  const trimmed = text.trim();
  const full = FULL_TOKEN.exec(trimmed);
  if (full) return { caHash: `sha256:${full[1]}`, id: full[2] ?? '', secret: full[3] ?? '' };
  const bare = BARE_TOKEN.exec(trimmed);
  if (bare && !options.requireCaHash) return { id: bare[1] ?? '', secret: bare[2] ?? '' };
  const expected = options.requireCaHash
    ? 'EW1<64 hex digits>::<id>.<secret>'
    : 'EW1<64 hex digits>::<id>.<secret> or <id>.<secret>';
  const why = bare ? 'it lacks the hub CA hash, so the hub cannot be authenticated' : `expected ${expected}`;
  throw new EdgewiseError('EW_UNAUTHORIZED', `the join token is malformed: ${why}`);
}

export function formatJoinToken(token: JoinToken): string {
  const bare = `${token.id}.${token.secret}`;
  if (!token.caHash) return bare;
  return `EW1${token.caHash.replace(/^sha256:/, '')}::${bare}`;
}

/** A fresh id or secret: `length` chars of [a-z0-9], uniformly drawn. */
export function randomTokenPart(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += TOKEN_ALPHABET[randomInt(TOKEN_ALPHABET.length)];
  return out;
}

/**
 * Reads exactly one certificate from PEM. More than one is refused: whatever PEM
 * the agent pins becomes its trust store, so an extra certificate smuggled after the
 * hashed one would be trusted without having been checked.
 */
export function singleCertificate(pem: string): X509Certificate {
  const blocks = pem.match(/-----BEGIN [^-]+-----/g) ?? [];
  if (blocks.length !== 1 || blocks[0] !== '-----BEGIN CERTIFICATE-----') {
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      `expected exactly one PEM certificate, found ${blocks.length} PEM blocks`,
    );
  }
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new EdgewiseError('EW_BAD_REQUEST', `the certificate cannot be parsed: ${(err as Error).message}`);
  }
}

/** `sha256:<hex>` over the certificate's DER (not kubeadm's public-key hash; see docs/security.md). */
export function caCertHash(cert: X509Certificate | string): string {
  const parsed = typeof cert === 'string' ? singleCertificate(cert) : cert;
  return `sha256:${createHash('sha256').update(parsed.raw).digest('hex')}`;
}
