/**
 * Hashes, HMACs and JWTs through node:crypto: crypto.md5/sha1/sha256,
 * crypto.hmac.*, io.jwt.decode and io.jwt.verify_* (HS, RS, PS, ES with a
 * PEM key or certificate, or a JWKS for the asymmetric ones).
 */
import {
  constants,
  createHash,
  createHmac,
  createPublicKey,
  type JsonWebKey,
  type KeyObject,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { fromJSON } from '../value/json.js';
import { RObject, type Value } from '../value/value.js';
import { type BuiltinDef, BuiltinError, def, str } from './types.js';

const hash = (alg: string) => (a: Value[]) => createHash(alg).update(str(a, 0), 'utf8').digest('hex');
const hmac = (alg: string) => (a: Value[]) =>
  createHmac(alg, str(a, 1)).update(str(a, 0), 'utf8').digest('hex');

function b64json(part: string): Value {
  try {
    return fromJSON(JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
  } catch {
    throw new BuiltinError('JWT segment is not base64url-encoded JSON');
  }
}

function splitJWT(token: string): [string, string, string] {
  const parts = token.split('.');
  if (parts.length !== 3) throw new BuiltinError('encoded JWT had no period separators or too many');
  return parts as [string, string, string];
}

function publicKeys(material: string): KeyObject[] {
  const trimmed = material.trim();
  if (trimmed.startsWith('{')) {
    let jwks: { keys?: unknown[] } & Record<string, unknown>;
    try {
      jwks = JSON.parse(trimmed) as { keys?: unknown[] } & Record<string, unknown>;
    } catch {
      throw new BuiltinError('failed to parse JWK set');
    }
    const keys = Array.isArray(jwks.keys) ? jwks.keys : [jwks];
    return keys.map((k) => createPublicKey({ key: k as JsonWebKey, format: 'jwk' }));
  }
  try {
    return [createPublicKey(trimmed)];
  } catch {
    throw new BuiltinError('failed to parse a PEM public key or certificate');
  }
}

const ALGS: Record<string, { hash: string; pad?: 'pss'; ecdsa?: boolean }> = {
  RS256: { hash: 'sha256' },
  RS384: { hash: 'sha384' },
  RS512: { hash: 'sha512' },
  PS256: { hash: 'sha256', pad: 'pss' },
  PS384: { hash: 'sha384', pad: 'pss' },
  PS512: { hash: 'sha512', pad: 'pss' },
  ES256: { hash: 'sha256', ecdsa: true },
  ES384: { hash: 'sha384', ecdsa: true },
  ES512: { hash: 'sha512', ecdsa: true },
};

function verifyAsym(alg: string) {
  const spec = ALGS[alg] as { hash: string; pad?: 'pss'; ecdsa?: boolean };
  return (a: Value[]): boolean => {
    const [h, p, s] = splitJWT(str(a, 0));
    const data = Buffer.from(`${h}.${p}`);
    const sig = Buffer.from(s, 'base64url');
    return publicKeys(str(a, 1)).some((key) =>
      verify(
        spec.hash,
        data,
        spec.ecdsa
          ? { key, dsaEncoding: 'ieee-p1363' }
          : spec.pad
            ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }
            : key,
        sig,
      ),
    );
  };
}

function verifyHmac(alg: string) {
  return (a: Value[]): boolean => {
    const [h, p, s] = splitJWT(str(a, 0));
    const want = createHmac(alg, str(a, 1)).update(`${h}.${p}`).digest();
    const got = Buffer.from(s, 'base64url');
    return want.length === got.length && timingSafeEqual(want, got);
  };
}

function verifySig(alg: string, token: string, constraints: RObject): boolean {
  if (alg.startsWith('HS')) {
    const secret = constraints.get('secret');
    if (typeof secret !== 'string') return false;
    return verifyHmac(`sha${alg.slice(2)}`)([token, secret]);
  }
  if (!ALGS[alg]) return false;
  const cert = constraints.get('cert');
  if (typeof cert !== 'string') return false;
  return verifyAsym(alg)([token, cert]);
}

function numberClaim(v: Value | undefined): number | undefined {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
}

/** io.jwt.decode_verify: [valid, header, payload]; any failed check gives [false, {}, {}]. */
function decodeVerify(a: Value[], nowNs: () => bigint): Value {
  const token = str(a, 0);
  const c = a[1] as Value;
  if (!(c instanceof RObject)) throw new BuiltinError('operand 2 must be object');
  const invalid: Value = [false, new RObject(), new RObject()];
  let header: Value;
  let payload: Value;
  try {
    const [h, p] = splitJWT(token);
    header = b64json(h);
    payload = b64json(p);
  } catch {
    return invalid;
  }
  if (!(header instanceof RObject) || !(payload instanceof RObject)) return invalid;
  const alg = header.get('alg');
  if (typeof alg !== 'string') return invalid;
  const want = c.get('alg');
  if (want !== undefined && want !== alg) return invalid;
  if (!verifySig(alg, token, c)) return invalid;
  const t = c.get('time');
  const nowSec = Number(typeof t === 'number' || typeof t === 'bigint' ? BigInt(t) : nowNs()) / 1e9;
  const exp = numberClaim(payload.get('exp'));
  if (exp !== undefined && nowSec >= exp) return invalid;
  const nbf = numberClaim(payload.get('nbf'));
  if (nbf !== undefined && nowSec < nbf) return invalid;
  const iss = c.get('iss');
  if (iss !== undefined && payload.get('iss') !== iss) return invalid;
  const aud = payload.get('aud');
  const wantAud = c.get('aud');
  if (aud !== undefined || wantAud !== undefined) {
    const auds = Array.isArray(aud) ? aud : aud === undefined ? [] : [aud];
    if (wantAud === undefined || !auds.includes(wantAud)) return invalid;
  }
  return [true, header, payload];
}

export const CRYPTO: BuiltinDef[] = [
  def('crypto.md5', 1, hash('md5')),
  def('crypto.sha1', 1, hash('sha1')),
  def('crypto.sha256', 1, hash('sha256')),
  def('crypto.hmac.md5', 2, hmac('md5')),
  def('crypto.hmac.sha1', 2, hmac('sha1')),
  def('crypto.hmac.sha256', 2, hmac('sha256')),
  def('crypto.hmac.sha512', 2, hmac('sha512')),
  def('crypto.hmac.equal', 2, (a) => {
    const x = Buffer.from(str(a, 0));
    const y = Buffer.from(str(a, 1));
    return x.length === y.length && timingSafeEqual(x, y);
  }),
  def('io.jwt.decode', 1, (a) => {
    const [h, p, s] = splitJWT(str(a, 0));
    const header = b64json(h);
    if (!(header instanceof RObject)) throw new BuiltinError('JWT header is not an object');
    return [header, b64json(p), Buffer.from(s, 'base64url').toString('hex')];
  }),
  def('io.jwt.verify_hs256', 2, verifyHmac('sha256')),
  def('io.jwt.verify_hs384', 2, verifyHmac('sha384')),
  def('io.jwt.verify_hs512', 2, verifyHmac('sha512')),
  ...Object.keys(ALGS).map((alg) => def(`io.jwt.verify_${alg.toLowerCase()}`, 2, verifyAsym(alg))),
  def('io.jwt.decode_verify', 2, (a, ctx) =>
    decodeVerify(a, () => {
      if (ctx.run.nowNs === undefined) ctx.run.nowNs = BigInt(Date.now()) * 1_000_000n;
      return ctx.run.nowNs;
    }),
  ),
];
