import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RegoError } from '../../src/policy/rego/errors.js';
import { parseModule, parseQuery } from '../../src/policy/rego/syntax/parser.js';

function parseError(src: string, version: 'v0' | 'v1' | 'auto' = 'auto'): RegoError {
  try {
    parseModule('p.rego', src, version);
  } catch (e) {
    assert.ok(RegoError.isRegoError(e), `expected a RegoError, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected a parse error for:\n${src}`);
}

describe('parser', () => {
  it('reads v0 modules: bodies without if, partial sets with p[x]', () => {
    const m = parseModule('p.rego', 'package a.b\n\ndeny[msg] { msg := "x" }\nallow { true }\n', 'v0');
    assert.deepEqual(m.pkg, ['a', 'b']);
    assert.equal(m.regoVersion, 'v0');
    const deny = m.rules[0];
    assert.ok(deny?.head.key, 'deny[msg] is a multi-value rule');
    assert.equal(deny?.head.value, undefined);
  });

  it('reads v1 modules: if, contains, every, some in', () => {
    const src =
      'package t\ndeny contains msg if { some x in input.xs; every y in x { y > 0 }; msg := "m" }\n';
    const m = parseModule('t.rego', src, 'v1');
    assert.equal(m.regoVersion, 'v1');
    assert.equal(m.rules[0]?.head.contains, true);
  });

  it('picks the syntax per module in auto mode', () => {
    assert.equal(parseModule('a', 'package a\nallow { true }').regoVersion, 'v0');
    assert.equal(parseModule('b', 'package b\nallow if { true }').regoVersion, 'v1');
    assert.equal(parseModule('c', 'package c\nimport rego.v1\nallow if true').regoVersion, 'v1');
    // `if` where v0 would read a rule named "if": only v1 makes sense of it.
    const m = parseModule('d', 'package d\nresult := x if { x := 1 }');
    assert.equal(m.rules.length, 1);
    assert.equal(m.rules[0]?.body.length, 1);
  });

  it('honours import future.keywords in v0', () => {
    const m = parseModule('p', 'package p\nimport future.keywords.in\nallow { 1 in [1] }', 'v0');
    assert.equal(m.rules[0]?.body[0]?.body.kind, 'call');
    assert.throws(() => parseModule('p', 'package p\nallow { 1 in [1] }', 'v0'), RegoError);
  });

  it('gives syntax errors with file, line and column', () => {
    const e = parseError('package p\n\nallow {\n  x := [1, 2\n}\n', 'v0');
    assert.equal(e.regoCode, 'rego_parse_error');
    assert.equal(e.location?.file, 'p.rego');
    assert.equal(e.location?.row, 5);
    assert.match(e.message, /^p\.rego:5:\d+: rego_parse_error: /);
  });

  it('rejects each kind of malformed input', () => {
    const bad = [
      'allow { true }', // no package
      'package p\nallow { "unterminated }',
      'package p\nx := 01',
      'package p\nx := 1.',
      'package p\nx := 1e',
      'package p\nx := !true',
      'package p\nx := "\\q"',
      'package p\nx := - y',
      'package p\nimport foo',
      'package p\nimport rego.v2',
      'package p\nimport future.keywords.nope',
      'package p\ndefault x := y',
      'package p\nallow {',
      'package p\nallow { }',
      'package p\nallow if { x := input. y }',
      'package p\nx := {1: 2',
      'package p\np[x] { x := 1 } else = 2',
    ];
    for (const src of bad) {
      const e = parseError(src);
      assert.equal(e.regoCode, 'rego_parse_error', `${src}\n→ ${e.message}`);
      assert.ok(e.location && e.location.row >= 1, `no location for ${src}`);
    }
  });

  it('enforces v1 rules: if and contains are required', () => {
    assert.match(parseError('package p\nallow { true }', 'v1').message, /`if` keyword is required/);
    assert.match(
      parseError('package p\nimport rego.v1\np[x] if { x := 1 }\nq[x] { x := 1 }', 'v0').message,
      /`if` keyword is required|`contains` keyword is required/,
    );
  });

  it('bounds nesting depth instead of overflowing the stack', () => {
    const deep = `package p\nx := ${'['.repeat(5000)}${']'.repeat(5000)}`;
    assert.match(parseError(deep).message, /recursion depth/);
  });

  it('parses queries separated by newlines or semicolons', () => {
    assert.equal(parseQuery('x := 1; y := 2').length, 2);
    assert.equal(parseQuery('x := 1\ny := x + 1\n').length, 2);
    assert.throws(() => parseQuery('1 2'), RegoError);
    assert.throws(() => parseQuery('[1]]'), RegoError);
  });

  it('continues a reference only without whitespace', () => {
    const [e] = parseQuery('input.a[0].b');
    assert.equal(e?.body.kind, 'term');
    assert.throws(() => parseQuery('input. a'), RegoError);
    // `x [0]` is two terms, which a query cannot hold.
    assert.throws(() => parseQuery('x [0]'), RegoError);
  });
});
