import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { BUILTINS } from '../../src/policy/rego/builtins/index.js';
import { compile } from '../../src/policy/rego/index.js';

/** Evaluates one expression in a v1 module and returns its value. */
function ev(expr: string, input?: unknown): unknown {
  const p = compile([{ path: 'b.rego', source: `package b\nimport rego.v1\nx := ${expr}` }]);
  return p.evalRef('data.b.x', { input, strictBuiltinErrors: true });
}

describe('builtins', () => {
  it('formats like Go fmt in sprintf', () => {
    assert.equal(ev('sprintf("%v %s %d %q", [{"a"}, "s", 42, "q"])'), '{"a"} s 42 "q"');
    assert.equal(
      ev('sprintf("%05.2f|%-4d|%x|%o|%b|%e", [3.14159, 7, 255, 8, 5, 1234.5])'),
      '03.14|7   |ff|10|101|1.234500e+03',
    );
    assert.equal(ev('sprintf("%v", [[1, "a", null]])'), '[1, "a", null]');
    assert.equal(ev('sprintf("%s", [123456789123456789123])'), '123456789123456789123');
    assert.equal(ev('sprintf("%d %d", [1])'), '1 %!d(MISSING)');
    assert.equal(ev('sprintf("%v", [0.000001])'), '1e-06');
  });

  it('handles strings by code point', () => {
    assert.equal(ev('count("héllo")'), 5);
    assert.equal(ev('substring("héllo", 1, 3)'), 'éll');
    assert.equal(ev('indexof("héllo", "l")'), 2);
    assert.deepEqual(ev('split("a,b,,c", ",")'), ['a', 'b', '', 'c']);
    assert.equal(ev('trim("xxhixx", "x")'), 'hi');
    assert.equal(ev('replace("aaa", "a", "b")'), 'bbb');
    assert.equal(ev('strings.any_prefix_match(["abc", "xyz"], "xy")'), true);
    assert.equal(ev('concat("-", {"b", "a"})'), 'a-b');
    assert.equal(ev('format_int(255, 16)'), 'ff');
    assert.equal(ev('strings.replace_n({"a": "1", "b": "2"}, "abc")'), '12c');
  });

  it('matches regular expressions with RE2 syntax', () => {
    assert.equal(ev('regex.match("^[a-z]+\\\\d$", "abc1")'), true);
    assert.deepEqual(ev('regex.split("[,;]", "a,b;c")'), ['a', 'b', 'c']);
    assert.deepEqual(ev('regex.find_n("[0-9]+", "a1b22c333", 2)'), ['1', '22']);
    assert.equal(ev('regex.replace("a1b2", "[0-9]", "#")'), 'a#b#');
    assert.equal(ev('regex.is_valid("(")'), false);
    assert.deepEqual(ev('regex.find_all_string_submatch_n("(a)(b)?", "ab a", -1)'), [
      ['ab', 'a', 'b'],
      ['a', 'a', ''],
    ]);
  });

  it('matches globs with delimiters', () => {
    assert.equal(ev('glob.match("*.github.com", [], "api.github.com")'), true);
    assert.equal(ev('glob.match("*.github.com", [], "a.b.github.com")'), false);
    assert.equal(ev('glob.match("api.**.com", [], "api.a.b.com")'), true);
    assert.equal(ev('glob.match("{cat,[br]at}", [], "rat")'), true);
    assert.equal(ev('glob.match("*", null, "a.b")'), true);
  });

  it('works with objects, arrays and sets', () => {
    assert.equal(ev('object.get({"a": {"b": 1}}, ["a", "b"], 0)'), 1);
    assert.equal(ev('object.get({"a": 1}, "z", "dflt")'), 'dflt');
    assert.deepEqual(ev('object.remove({"a": 1, "b": 2}, ["a"])'), { b: 2 });
    assert.deepEqual(ev('object.union({"a": {"b": 1}}, {"a": {"c": 2}})'), { a: { b: 1, c: 2 } });
    assert.deepEqual(ev('json.filter({"a": {"b": 1, "c": 2}}, ["a/b"])'), { a: { b: 1 } });
    assert.deepEqual(ev('json.remove({"a": {"b": 1, "c": 2}}, ["a/b"])'), { a: { c: 2 } });
    assert.deepEqual(ev('json.patch({"a": 1}, [{"op": "add", "path": "/b", "value": 2}])'), { a: 1, b: 2 });
    assert.deepEqual(ev('array.slice([1, 2, 3, 4], 1, 3)'), [2, 3]);
    assert.deepEqual(ev('union({{1}, {2}})'), [1, 2]);
    assert.deepEqual(ev('sort({3, 1, 2})'), [1, 2, 3]);
    assert.equal(ev('max([1, 5, 3])'), 5);
    assert.equal(ev('sum([1, 2.5])'), 3.5);
  });

  it('encodes and decodes', () => {
    assert.equal(ev('json.marshal({"b": [1], "a": "<x>"})'), '{"a":"\\u003cx\\u003e","b":[1]}');
    assert.deepEqual(ev('json.unmarshal("{\\"a\\": [1, true]}")'), { a: [1, true] });
    assert.equal(ev('base64.decode(base64.encode("héllo"))'), 'héllo');
    assert.equal(ev('base64url.encode_no_pad("??")'), 'Pz8');
    assert.equal(ev('hex.encode("hi")'), '6869');
    assert.equal(ev('urlquery.encode("a b&c")'), 'a+b%26c');
    assert.deepEqual(ev('yaml.unmarshal("a: [1, 2]")'), { a: [1, 2] });
  });

  it('parses and formats time like Go', () => {
    assert.equal(ev('time.parse_rfc3339_ns("1985-04-12T23:20:50.52Z")'), 482196050520000000);
    assert.equal(ev('time.parse_ns("2006-01-02", "2020-02-29")'), 1582934400000000000);
    assert.deepEqual(ev('time.date(1703444325734390000)'), [2023, 12, 24]);
    assert.equal(ev('time.weekday(1703444325734390000)'), 'Sunday');
    assert.deepEqual(ev('time.clock([1703444325734390000, "Europe/Paris"])'), [19, 58, 45]);
    assert.equal(
      ev('time.format([1703444325734390000, "UTC", "2006-01-02 15:04:05.000"])'),
      '2023-12-24 18:58:45.734',
    );
    assert.equal(ev('time.parse_duration_ns("1h30m")'), 5400000000000);
    assert.deepEqual(ev('time.diff(1703444325734390000, 1257894000000000000)'), [14, 1, 13, 19, 58, 45]);
  });

  it('computes numbers, bits and units', () => {
    assert.deepEqual(ev('numbers.range(3, 1)'), [3, 2, 1]);
    assert.equal(ev('round(-2.5)'), -3);
    assert.equal(ev('bits.lsh(1, 70)'), 2 ** 70);
    assert.equal(ev('units.parse_bytes("1Ki")'), 1024);
    assert.equal(ev('units.parse("100m")'), 0.1);
    assert.equal(ev('to_number("1e3")'), 1000);
  });

  it('knows networks, versions, graphs and hashes', () => {
    assert.equal(ev('net.cidr_contains("10.0.0.0/8", "10.1.2.3")'), true);
    assert.equal(ev('net.cidr_intersects("10.0.0.0/8", "11.0.0.0/8")'), false);
    assert.deepEqual(ev('net.cidr_merge(["10.0.0.0/25", "10.0.0.128/25"])'), ['10.0.0.0/24']);
    assert.equal(ev('net.cidr_contains("2001:db8::/32", "2001:db8::1")'), true);
    assert.equal(ev('semver.compare("1.10.0", "1.9.0")'), 1);
    assert.equal(ev('semver.is_valid("v1.0.0")'), false);
    assert.deepEqual(ev('graph.reachable({"a": ["b"], "b": ["c"], "c": []}, ["a"])'), ['a', 'b', 'c']);
    assert.equal(
      ev('crypto.sha256("abc")'),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    assert.deepEqual(ev('[p | walk({"a": [1]}, [p, _])]'), [[], ['a'], ['a', 0]]);
  });

  it('decodes and verifies HS256 JWTs', () => {
    // {"alg":"HS256","typ":"JWT"}.{"sub":"1234567890","name":"John Doe","iat":1516239022}, secret "your-256-bit-secret"
    const jwt =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
    assert.equal(ev(`io.jwt.verify_hs256("${jwt}", "your-256-bit-secret")`), true);
    assert.equal(ev(`io.jwt.verify_hs256("${jwt}", "wrong")`), false);
    const decoded = ev(`io.jwt.decode("${jwt}")`) as unknown[];
    assert.deepEqual(decoded[1], { sub: '1234567890', name: 'John Doe', iat: 1516239022 });
    const [valid] = ev(`io.jwt.decode_verify("${jwt}", {"secret": "your-256-bit-secret"})`) as unknown[];
    assert.equal(valid, true);
  });

  it('verifies RS256 and ES256 JWTs against PEM keys', () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = (alg: string, key: import('node:crypto').KeyObject, ecdsa: boolean) => {
      const data = `${b64({ alg, typ: 'JWT' })}.${b64({ sub: 'edge', iss: 'hub' })}`;
      const sig = sign('sha256', Buffer.from(data), ecdsa ? { key, dsaEncoding: 'ieee-p1363' } : key);
      return `${data}.${sig.toString('base64url')}`;
    };
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const ecPem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const rs = token('RS256', rsa.privateKey, false);
    const es = token('ES256', ec.privateKey, true);
    assert.equal(ev(`io.jwt.verify_rs256(${JSON.stringify(rs)}, ${JSON.stringify(rsaPem)})`), true);
    assert.equal(ev(`io.jwt.verify_rs256(${JSON.stringify(rs)}, ${JSON.stringify(ecPem)})`), false);
    assert.equal(ev(`io.jwt.verify_es256(${JSON.stringify(es)}, ${JSON.stringify(ecPem)})`), true);
    const [valid, , payload] = ev(
      `io.jwt.decode_verify(${JSON.stringify(rs)}, {"cert": ${JSON.stringify(rsaPem)}, "iss": "hub"})`,
    ) as unknown[];
    assert.equal(valid, true);
    assert.deepEqual(payload, { sub: 'edge', iss: 'hub' });
    const [wrongIss] = ev(
      `io.jwt.decode_verify(${JSON.stringify(rs)}, {"cert": ${JSON.stringify(rsaPem)}, "iss": "other"})`,
    ) as unknown[];
    assert.equal(wrongIss, false);
  });

  it('keeps time.now_ns and rand.intn stable within one query', () => {
    assert.equal(ev('time.now_ns() == time.now_ns()'), true);
    assert.equal(ev('rand.intn("k", 1000) == rand.intn("k", 1000)'), true);
    assert.equal(ev('uuid.rfc4122("a") == uuid.rfc4122("a")'), true);
  });

  it('reports type errors in OPA wording', () => {
    assert.throws(
      () => ev('count(1)'),
      /count: operand 1 must be one of \{array, object, set, string\} but got number/,
    );
    assert.throws(() => ev('"a" + 1'), /plus: operand 1 must be number but got string/);
    assert.throws(() => ev('http.send({"url": "http://x"})'), /not supported/);
  });

  it('declares an arity for every builtin', () => {
    for (const [name, d] of BUILTINS) {
      assert.equal(d.name, name);
      assert.ok(Number.isInteger(d.arity) && d.arity >= -1, name);
    }
    assert.ok(BUILTINS.size > 150, `only ${BUILTINS.size} builtins`);
  });
});
