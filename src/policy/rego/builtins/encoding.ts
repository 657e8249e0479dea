/**
 * Encodings: json.*, base64*, hex.*, urlquery.* and yaml.*. JSON output
 * follows Go's encoding/json (sorted keys, `<`, `>`, `&` escaped as \u003c…).
 */
import YAML from 'yaml';
import { fromJSON, toJSON, toJSONText } from '../value/json.js';
import { RObject, RSet, type Value } from '../value/value.js';
import { type BuiltinDef, BuiltinError, def, obj, operandError, str } from './types.js';

/** Go's json.Marshal escapes HTML-sensitive characters and U+2028/9. */
function goJSON(v: Value, indent?: { prefix: string; indent: string }): string {
  let text = toJSONText(v);
  if (indent) {
    text = JSON.stringify(JSON.parse(text), null, indent.indent);
    if (indent.prefix)
      text = text
        .split('\n')
        .map((l, i) => (i === 0 ? l : indent.prefix + l))
        .join('\n');
  }
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function parseJSON(s: string): Value {
  try {
    return fromJSON(JSON.parse(s));
  } catch (e) {
    if (e instanceof SyntaxError) throw new BuiltinError(`invalid JSON: ${e.message}`);
    throw e;
  }
}

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const B64URL = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?$/;

function b64decode(s: string, url: boolean): string {
  if (!(url ? B64URL : B64).test(s)) throw new BuiltinError('illegal base64 data');
  return Buffer.from(s, url ? 'base64url' : 'base64').toString('utf8');
}

/** Go's url.QueryEscape. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

function queryUnescape(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw new BuiltinError(`invalid URL escape in ${JSON.stringify(s)}`);
  }
}

function yamlToValue(text: string): Value {
  const doc = YAML.parseDocument(text, { intAsBigInt: true });
  if (doc.errors.length) throw new BuiltinError(doc.errors[0]?.message ?? 'invalid YAML');
  return fromJSON(doc.toJS({ maxAliasCount: 100 }));
}

export const ENCODING: BuiltinDef[] = [
  def('json.marshal', 1, (a) => goJSON(a[0] as Value)),
  def('json.marshal_with_options', 2, (a) => {
    const o = obj(a, 1);
    const pretty = o.get('pretty') === true || o.has('indent') || o.has('prefix');
    if (!pretty) return goJSON(a[0] as Value);
    const indent = o.get('indent');
    const prefix = o.get('prefix');
    return goJSON(a[0] as Value, {
      indent: typeof indent === 'string' ? indent : '\t',
      prefix: typeof prefix === 'string' ? prefix : '',
    });
  }),
  def('json.unmarshal', 1, (a) => parseJSON(str(a, 0))),
  def('json.is_valid', 1, (a) => {
    if (typeof a[0] !== 'string') return false;
    try {
      JSON.parse(a[0]);
      return true;
    } catch {
      return false;
    }
  }),
  def('base64.encode', 1, (a) => Buffer.from(str(a, 0), 'utf8').toString('base64')),
  def('base64.decode', 1, (a) => b64decode(str(a, 0), false)),
  def('base64.is_valid', 1, (a) => typeof a[0] === 'string' && B64.test(a[0])),
  def('base64url.encode', 1, (a) => {
    const s = Buffer.from(str(a, 0), 'utf8').toString('base64url');
    return s + '='.repeat((4 - (s.length % 4)) % 4);
  }),
  def('base64url.encode_no_pad', 1, (a) => Buffer.from(str(a, 0), 'utf8').toString('base64url')),
  def('base64url.decode', 1, (a) => b64decode(str(a, 0), true)),
  def('hex.encode', 1, (a) => Buffer.from(str(a, 0), 'utf8').toString('hex')),
  def('hex.decode', 1, (a) => {
    const s = str(a, 0);
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(s)) throw new BuiltinError('invalid hex string');
    return Buffer.from(s, 'hex').toString('utf8');
  }),
  def('urlquery.encode', 1, (a) => queryEscape(str(a, 0))),
  def('urlquery.decode', 1, (a) => queryUnescape(str(a, 0))),
  def('urlquery.encode_object', 1, (a) => {
    const o = obj(a, 0);
    const parts: string[] = [];
    for (const k of o.keys()) {
      if (typeof k !== 'string') throw operandError(1, 'object[string: string|array|set]', k);
      const v = o.get(k) as Value;
      const vals = typeof v === 'string' ? [v] : Array.isArray(v) ? v : v instanceof RSet ? v.sorted() : null;
      if (vals === null) throw operandError(1, 'object[string: string|array|set]', v);
      for (const x of vals) {
        if (typeof x !== 'string') throw operandError(1, 'object[string: string|array|set]', x);
        parts.push(`${queryEscape(k)}=${queryEscape(x)}`);
      }
    }
    return parts.join('&');
  }),
  def('urlquery.decode_object', 1, (a) => {
    const out = new RObject();
    for (const part of str(a, 0).split(/[&;]/)) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const k = queryUnescape(eq < 0 ? part : part.slice(0, eq));
      const v = eq < 0 ? '' : queryUnescape(part.slice(eq + 1));
      const prev = out.get(k);
      out.set(k, Array.isArray(prev) ? [...prev, v] : [v]);
    }
    return out;
  }),
  def('yaml.marshal', 1, (a) => YAML.stringify(toJSON(a[0] as Value, { bigint: true }))),
  def('yaml.unmarshal', 1, (a) => yamlToValue(str(a, 0))),
  def('yaml.is_valid', 1, (a) => {
    if (typeof a[0] !== 'string') return false;
    return YAML.parseDocument(a[0]).errors.length === 0;
  }),
];
