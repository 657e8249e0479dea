/**
 * The local API for streams, at EDGEWISE_AGENT_URL:
 *
 *   POST /v1/streams/<name>/records   one JSON record, or an array of them; answered
 *                                      200 {stream, epoch, first, last, count} once durable,
 *                                      429 when the stream is full (onFull: Reject). With an
 *                                      Idempotency-Key header, a retry is answered what the
 *                                      first write was (Idempotent-Replayed: true), unwritten
 *   GET  /v1/streams                   every stream's counters
 *   GET  /v1/streams/<name>            one stream's counters
 *   GET  /v1/streams/<name>/records?limit=<n>[&epoch=<id>&after=<seq>]
 *                                      records still on the node (waiting, or kept local by
 *                                      the egress policy), oldest first; page with epoch+after
 */
import { createHash } from 'node:crypto';
import { EdgewiseError } from '../../api/errors.js';
import { STREAM_NAME } from '../../api/kinds/data-sync.js';
import type { LocalRoute } from '../local-api.js';
import { methodNotAllowed, readBody, sendJson } from './http.js';
import type { StreamReporter } from './reporter.js';
import { REFUSED } from './schema.js';
import type { StreamStore } from './store.js';
import type { StreamWriter } from './writer.js';

/** Largest request body. */
const MAX_BODY = 4 * 1024 * 1024;
/** Largest single record (its JSON); the Wasm host function has the same limit. */
export const MAX_RECORD = 256 * 1024;

export function streamRoutes(deps: {
  writer: StreamWriter;
  reporter: StreamReporter;
  store: StreamStore;
}): LocalRoute {
  return async (req, res, url) => {
    const m = /^\/v1\/streams(?:\/([^/]+))?(\/records)?\/?$/.exec(url.pathname);
    if (!m) return false;
    const name = m[1] === undefined ? undefined : decodeURIComponent(m[1]);
    if (name !== undefined) checkStreamName(name);
    if (name === undefined) {
      if (req.method !== 'GET') throw methodNotAllowed(req, 'GET');
      sendJson(res, 200, { streams: deps.reporter.reports() });
      return true;
    }
    if (!m[2]) {
      if (req.method !== 'GET') throw methodNotAllowed(req, 'GET');
      const report = deps.reporter.report(name);
      if (!report) throw new EdgewiseError('EW_NOT_FOUND', `no stream ${name} on this node`);
      sendJson(res, 200, report);
      return true;
    }
    if (req.method === 'GET') {
      sendJson(res, 200, { stream: name, records: localRecords(deps.store, name, url) });
      return true;
    }
    if (req.method !== 'POST') throw methodNotAllowed(req, 'POST or GET');
    const key = idempotencyKey(req.headers['idempotency-key']);
    const payloads = parseRecords(await readBody(req, MAX_BODY));
    const idempotency = key === undefined ? undefined : { key, bodySha256: recordsSha256(payloads) };
    const { replayed, ...result } = await deps.writer.append(name, payloads, idempotency);
    sendJson(
      res,
      200,
      { stream: name, ...result, count: payloads.length },
      replayed ? { 'Idempotent-Replayed': 'true' } : {},
    );
    return true;
  };
}

/** Longest Idempotency-Key accepted; a UUID takes 36 characters. */
const MAX_KEY = 255;

/** The request's Idempotency-Key: 1–255 visible ASCII characters, or none. */
function idempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header.join(', ') : header;
  if (key.length === 0 || key.length > MAX_KEY || !/^[\x21-\x7e]+$/.test(key))
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      `invalid Idempotency-Key header: use 1 to ${MAX_KEY} visible ASCII characters, such as a UUID`,
    );
  return key;
}

/** The records as they are stored, hashed: a retry of the same write hashes the same. */
function recordsSha256(payloads: readonly Buffer[]): string {
  const hash = createHash('sha256');
  // Canonical records are JSON, with no raw newline inside, so one separates them.
  for (const p of payloads) hash.update(p).update('\n');
  return hash.digest('hex');
}

/** One record or an array of records, each re-serialised so what is stored is canonical JSON. */
function parseRecords(body: Buffer): Buffer[] {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new EdgewiseError('EW_BAD_REQUEST', 'the body must be a JSON record or an array of records');
  }
  const records = Array.isArray(value) ? value : [value];
  if (records.length === 0) throw new EdgewiseError('EW_BAD_REQUEST', 'the array holds no records');
  return records.map((r, i) => canonicalRecord(r, `record ${i}`));
}

/** A record as stored: canonical JSON, at most MAX_RECORD bytes (EW_TOO_LARGE otherwise). */
export function canonicalRecord(value: unknown, what = 'the record'): Buffer {
  const data = Buffer.from(JSON.stringify(value ?? null), 'utf8');
  if (data.length > MAX_RECORD)
    throw new EdgewiseError(
      'EW_TOO_LARGE',
      `${what} is ${data.length} bytes; at most ${MAX_RECORD} are allowed`,
    );
  return data;
}

/** Refuses a name that is not a stream name (EW_BAD_REQUEST). */
export function checkStreamName(name: string): void {
  if (!STREAM_NAME.test(name))
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      `invalid stream name "${name}": use lower-case letters, digits and '-' (a DNS label, at most 63 characters)`,
    );
}

function localRecords(store: StreamStore, name: string, url: URL) {
  const id = store.find(name);
  if (id === undefined) return [];
  const epochId = url.searchParams.get('epoch');
  const epoch = epochId ? store.epochs.noOf(epochId) : 0;
  if (epoch === undefined) throw new EdgewiseError('EW_NOT_FOUND', `no epoch ${epochId} on this node`);
  const after = epochId ? Number(url.searchParams.get('after') ?? 0) : 0;
  const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get('limit') ?? 100) || 100));
  return store.after(id, epoch, after, limit).map((r) => ({
    epoch: store.epochs.idOf(r.epoch),
    seq: r.seq,
    time: new Date(r.time).toISOString(),
    state: r.state === REFUSED ? 'kept-local' : 'waiting',
    data: safeParse(r.data),
  }));
}

function safeParse(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    return { corrupt: data.toString('base64') };
  }
}
