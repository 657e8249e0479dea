// Supply-chain tracker (WAGI). Records shipment events per purchase order and answers
// tracking queries, from the edge site's own disk:
//   POST /track            {"po":"PO-1234","event":"shipped","location":"Shenzhen"}  → 201
//   GET  /track/PO-1234    → 200 {"po":"PO-1234","events":[…]}  or 404
// Each event is also written to the node's `shipments` stream (STREAM to rename it)
// through the edgewise.stream_write host function: answered once it is durable on the
// node, it reaches the centre exactly once when a DataSync routes the stream
// (sync.yaml), hub or no hub at the time of writing; its sequence number is in the 201.
// Every request runs in a fresh instance, so state lives in the writable volume
// mounted at /data (one JSON-lines file per order under /data/shipments/).
import { errnoName, lastErrno, writeRecord } from '../lib/edgewise';
import {
  appendFile,
  ensureDir,
  findPreopen,
  isSafeId,
  json,
  jsonField,
  log,
  nowIso,
  quote,
  Request,
  readFile,
  readRequest,
} from '../lib/wagi';

function handle(req: Request): void {
  if (req.env('TRACKING_ENABLED', 'true') == 'false') {
    json(503, '{"error":"tracking is disabled on this site"}');
    return;
  }
  if (req.path == '/healthz') {
    json(200, '{"ok":true}');
    return;
  }
  const data = findPreopen('/data');
  if (data < 0) {
    json(503, '{"error":"no writable volume mounted at /data"}');
    return;
  }
  if (req.method == 'POST' && req.path == '/track') {
    record(req, data);
    return;
  }
  if (req.method == 'GET' && req.path.startsWith('/track/')) {
    query(req.path.substring(7), data);
    return;
  }
  json(404, '{"error":"use POST /track or GET /track/<po>"}');
}

function record(req: Request, data: i32): void {
  const po = jsonField(req.body, 'po');
  const event = jsonField(req.body, 'event');
  if (po == null || !isSafeId(po)) {
    json(400, "{\"error\":\"field po must be 1-64 letters, digits, '-', '_' or '.'\"}");
    return;
  }
  if (event == null || event.length == 0) {
    json(400, '{"error":"field event is required"}');
    return;
  }
  const location = jsonField(req.body, 'location');
  const site = req.env('SITE', req.env('SERVER_NAME', 'edge'));
  let line = '{"po":' + quote(po) + ',"event":' + quote(event);
  if (location != null) line += ',"location":' + quote(location);
  line += ',"site":' + quote(site) + ',"recordedAt":' + quote(nowIso()) + '}';
  // The stream first: an event the centre will never see is not recorded at all.
  const stream = req.env('STREAM', 'shipments');
  const seq = writeRecord(stream, line);
  if (lastErrno != 0) {
    log('tracker: cannot write to stream ' + stream + ': ' + errnoName(lastErrno));
    json(lastErrno == 51 ? 503 : 500, '{"error":' + quote('cannot record the event: ' + errnoName(lastErrno)) + '}');
    return;
  }
  let err = ensureDir(data, 'shipments');
  if (err == 0) err = appendFile(data, 'shipments/' + po + '.jsonl', line + '\n');
  if (err != 0) {
    log('tracker: cannot write shipments/' + po + '.jsonl: errno ' + err.toString());
    json(500, '{"error":"cannot store the event"}');
    return;
  }
  const all = readFile(data, 'shipments/' + po + '.jsonl');
  const count = all == null ? 1 : countLines(all);
  log('tracker: ' + po + ' ' + event + ' (' + count.toString() + ' events)');
  json(
    201,
    '{"recorded":true,"po":' + quote(po) + ',"events":' + count.toString() + ',"seq":' + seq.toString() + '}',
    'Location: /track/' + po,
  );
}

function query(po: string, data: i32): void {
  if (!isSafeId(po)) {
    json(400, '{"error":"invalid purchase order id"}');
    return;
  }
  const all = readFile(data, 'shipments/' + po + '.jsonl');
  if (all == null) {
    json(404, '{"error":"no events for ' + po + '"}');
    return;
  }
  const lines = all.split('\n');
  let events = '';
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].length == 0) continue;
    if (events.length > 0) events += ',';
    events += lines[i];
  }
  json(200, '{"po":' + quote(po) + ',"events":[' + events + ']}');
}

function countLines(s: string): i32 {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) == 10) n++;
  return n;
}

handle(readRequest());
