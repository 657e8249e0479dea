// Telemedicine signalling endpoint (WAGI): exchanges WebRTC session descriptions and
// ICE candidates for a consultation room, on the clinic's own node.
//   POST /rooms/<room>/offer        (SDP)  — clinician; needs consent, see below
//   GET  /rooms/<room>/offer               — patient fetches the offer
//   POST /rooms/<room>/answer       (SDP)  — patient answers
//   GET  /rooms/<room>/answer              — clinician fetches the answer
//   POST /rooms/<room>/candidates   (line) — either side adds an ICE candidate
//   GET  /rooms/<room>/candidates          — all candidates so far, one per line
// Mirrors telemedicine-policy.rego: an offer (starting a video call) needs
// X-User-Role: authorized_medical_staff and X-Patient-Consent: true. Everything is
// stored under /data/rooms on this node and never leaves it (X-Data-Locality: local).
import { path_rename, path_unlink_file } from 'bindings/wasi_snapshot_preview1';
import {
  appendFile,
  ensureDir,
  findPreopen,
  isSafeId,
  json,
  log,
  Request,
  readFile,
  readRequest,
  respond,
} from '../lib/wagi';

const LOCAL = 'X-Data-Locality: local';

function handle(req: Request): void {
  const parts = req.path.split('/'); // "", "rooms", room, kind
  if (parts.length != 4 || parts[1] != 'rooms' || !isSafeId(parts[2])) {
    json(404, '{"error":"use /rooms/<room>/{offer,answer,candidates}"}', LOCAL);
    return;
  }
  const room = parts[2];
  const kind = parts[3];
  if (kind != 'offer' && kind != 'answer' && kind != 'candidates') {
    json(404, '{"error":"unknown resource ' + kind + '"}', LOCAL);
    return;
  }
  const data = findPreopen('/data');
  if (data < 0) {
    json(503, '{"error":"no writable volume mounted at /data"}', LOCAL);
    return;
  }
  const file = 'rooms/' + room + '/' + kind + (kind == 'candidates' ? '.txt' : '.sdp');
  if (req.method == 'GET') {
    const text = readFile(data, file);
    if (text == null) {
      json(404, '{"error":"no ' + kind + ' yet in room ' + room + '"}', LOCAL);
      return;
    }
    respond(200, kind == 'candidates' ? 'text/plain' : 'application/sdp', text, LOCAL);
    return;
  }
  if (req.method != 'POST') {
    json(405, '{"error":"method not allowed"}', LOCAL);
    return;
  }
  if (kind == 'offer') {
    if (req.header('X-User-Role') != 'authorized_medical_staff') {
      json(403, '{"error":"only authorized medical staff can start a video call"}', LOCAL);
      return;
    }
    if (req.header('X-Patient-Consent') != 'true') {
      json(403, '{"error":"the patient has not consented to a video call"}', LOCAL);
      return;
    }
  }
  if (req.body.length == 0 || req.body.length > 65536) {
    json(400, '{"error":"body must be 1 to 65536 bytes"}', LOCAL);
    return;
  }
  let err = ensureDir(data, 'rooms');
  if (err == 0) err = ensureDir(data, 'rooms/' + room);
  if (err == 0) {
    if (kind == 'candidates') {
      err = appendFile(data, file, req.body.trim() + '\n');
    } else {
      // A new offer/answer replaces the previous one: write a fresh file.
      err = replaceFile(data, file, req.body);
    }
  }
  if (err != 0) {
    log('signalling: cannot store ' + file + ': errno ' + err.toString());
    json(500, '{"error":"cannot store the ' + kind + '"}', LOCAL);
    return;
  }
  log('signalling: room ' + room + ' ' + kind + ' stored');
  json(201, '{"room":"' + room + '","stored":"' + kind + '"}', LOCAL);
}

function replaceFile(dir: i32, path: string, text: string): i32 {
  // Write to a temporary name then rename, so a reader never sees half a description.
  const tmp = path + '.tmp';
  removeQuiet(dir, tmp);
  const err = appendFile(dir, tmp, text);
  if (err != 0) return err;
  return renameFile(dir, tmp, path);
}

function removeQuiet(dir: i32, path: string): void {
  const p = String.UTF8.encode(path);
  path_unlink_file(<u32>dir, changetype<usize>(p), <usize>p.byteLength);
}

function renameFile(dir: i32, from: string, to: string): i32 {
  const a = String.UTF8.encode(from);
  const b = String.UTF8.encode(to);
  return <i32>(
    path_rename(
      <u32>dir,
      changetype<usize>(a),
      <usize>a.byteLength,
      <u32>dir,
      changetype<usize>(b),
      <usize>b.byteLength,
    )
  );
}

handle(readRequest());
