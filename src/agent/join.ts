/**
 * An edge node joining its hub. The join token carries the hash of the hub's CA, so
 * the agent can fetch the CA over an unverified connection, check it against the
 * hash, and only then send its token — over TLS that trusts that CA alone. A hub
 * whose CA does not match never sees the token.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { EdgewiseError, fromStatus, type Status } from '../api/errors.js';
import {
  caCertHash,
  JOIN_PATHS,
  type JoinRequest,
  type JoinResponse,
  parseJoinToken,
  singleCertificate,
} from '../api/join.js';

export interface JoinHubOptions {
  /** `https://hub.example:6443`; plain http is refused (the token would travel in the clear). */
  hubUrl: string;
  /** `EW1<ca-hash>::<id>.<secret>`, as `edgewise token create` prints it. */
  token: string;
  nodeName: string;
  /** From loadOrCreateMachineId. */
  machineId: string;
  /** Per request. @default 30 s */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface JoinResult {
  /** Bearer credential for the link; keep it in the agent's data dir. */
  credential: string;
  /** The hub CA (exactly the certificate whose hash the token carried); pin it for the link. */
  caPem: string;
  nodeName: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Bodies read from a hub that is not yet trusted are capped: a CA and a join answer are small. */
const MAX_BODY = 1024 * 1024;

export async function joinHub(options: JoinHubOptions): Promise<JoinResult> {
  const token = parseJoinToken(options.token, { requireCaHash: true });
  const base = new URL(options.hubUrl);
  if (base.protocol !== 'https:') {
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      `the hub URL must be https:// to join (got ${base.protocol}//): the agent pins the hub's CA`,
    );
  }
  const call = { timeoutMs: options.timeoutMs ?? 30_000, ...(options.signal && { signal: options.signal }) };
  const served = await send(new URL(JOIN_PATHS.ca, base), 'GET', { ...call, insecure: true });
  if (served.status !== 200) throw responseError(served, base);
  let caPem: string;
  try {
    const cert = singleCertificate(served.body);
    const actual = caCertHash(cert);
    if (actual !== token.caHash) {
      throw new EdgewiseError(
        'EW_UNAUTHORIZED',
        `the hub at ${base.host} presented CA ${actual}, but the join token pins ${token.caHash}: refusing to join (a different hub, or someone in between)`,
      );
    }
    if (!cert.ca)
      throw new EdgewiseError(
        'EW_UNAUTHORIZED',
        `the hub at ${base.host} served a certificate that is not a CA`,
      );
    // Re-encoded from the parsed certificate, so nothing but the hashed certificate is ever trusted.
    caPem = cert.toString();
  } catch (err) {
    if (EdgewiseError.isCode(err, 'EW_BAD_REQUEST')) {
      throw new EdgewiseError(
        'EW_UNAUTHORIZED',
        `the hub at ${base.host} served no usable CA: ${err.message}`,
      );
    }
    throw err;
  }
  const body: JoinRequest = {
    token: options.token.trim(),
    nodeName: options.nodeName,
    machineId: options.machineId,
  };
  const answer = await send(new URL(JOIN_PATHS.nodes, base), 'POST', {
    ...call,
    ca: caPem,
    body: JSON.stringify(body),
  });
  if (answer.status !== 200) throw responseError(answer, base);
  const joined = parseJoinResponse(answer.body);
  return { credential: joined.credential, caPem, nodeName: joined.nodeName };
}

/**
 * The node's machine id: a random UUID made on first start and kept in
 * `<dataDir>/machine-id`. The hub binds the node name to it, so it is never
 * regenerated behind the user's back: a damaged file is an error.
 */
export function loadOrCreateMachineId(dataDir: string): string {
  const file = path.join(dataDir, 'machine-id');
  mkdirSync(dataDir, { recursive: true });
  try {
    const id = randomUUID();
    writeFileSync(file, `${id}\n`, { flag: 'wx', mode: 0o600 });
    return id;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const existing = readFileSync(file, 'utf8').trim();
  if (!UUID.test(existing)) {
    throw new EdgewiseError(
      'EW_INTERNAL',
      `${file} does not hold a machine id; restore it, or remove it to join as a new machine (the hub keeps this node's name bound to the old id)`,
    );
  }
  return existing;
}

interface Answer {
  status: number;
  body: string;
}

interface SendOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Trust only this CA. */
  ca?: string;
  /** Skip verification: only for fetching the CA that is checked against the token right after. */
  insecure?: boolean;
  body?: string;
}

function send(url: URL, method: string, options: SendOptions): Promise<Answer> {
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
  const headers: Record<string, string> = {
    'User-Agent': 'edgewise-agent',
    Accept: 'application/json, application/x-pem-file',
  };
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(options.body));
  }
  return new Promise<Answer>((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        headers,
        signal: AbortSignal.any(signals),
        // No pooled sockets or TLS sessions: the pinned request must not ride on the unverified one.
        agent: false,
        ...(options.insecure
          ? { rejectUnauthorized: false }
          : { ca: options.ca ?? '', rejectUnauthorized: true }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY)
            res.destroy(new Error(`the answer from ${url.host} is larger than ${MAX_BODY} bytes`));
          else chunks.push(chunk);
        });
        res.once('error', (err) => reject(connectionError(url, err)));
        res.once('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.once('error', (err) => reject(connectionError(url, err)));
    req.end(options.body);
  });
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

function connectionError(url: URL, err: NodeJS.ErrnoException): EdgewiseError {
  const code = err.code ?? '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new EdgewiseError(
      'EW_UNAUTHORIZED',
      `the hub's certificate does not name ${url.hostname}; reach the hub by a name it has, or add ${url.hostname} to its certificate names`,
      undefined,
      { cause: err },
    );
  }
  if (UNTRUSTED.has(code)) {
    return new EdgewiseError(
      'EW_UNAUTHORIZED',
      `the TLS certificate at ${url.host} is not signed by the CA the join token pins: refusing to send the token (someone in between?)`,
      undefined,
      { cause: err },
    );
  }
  if (err.name === 'AbortError' || err.name === 'TimeoutError') {
    return new EdgewiseError('EW_TIMEOUT', `no answer from the hub at ${url.host} in time`, undefined, {
      cause: err,
    });
  }
  return new EdgewiseError(
    'EW_UNAVAILABLE',
    `cannot reach the hub at ${url.host}: ${err.message}`,
    undefined,
    { cause: err },
  );
}

function responseError(answer: Answer, hub: URL): EdgewiseError {
  try {
    const status = JSON.parse(answer.body) as Status;
    if (status?.kind === 'Status') return fromStatus(status);
  } catch {
    // Not a Status: describe the HTTP failure instead.
  }
  return new EdgewiseError(
    'EW_UNAVAILABLE',
    `the hub at ${hub.host} answered ${answer.status}: ${answer.body.slice(0, 200)}`,
  );
}

function parseJoinResponse(text: string): JoinResponse {
  let value: Partial<JoinResponse>;
  try {
    value = JSON.parse(text) as Partial<JoinResponse>;
  } catch {
    throw new EdgewiseError('EW_INTERNAL', 'the hub answered the join with something that is not JSON');
  }
  if (typeof value.credential !== 'string' || typeof value.nodeName !== 'string') {
    throw new EdgewiseError('EW_INTERNAL', 'the hub answered the join without a credential');
  }
  return { credential: value.credential, caPem: String(value.caPem ?? ''), nodeName: value.nodeName };
}
