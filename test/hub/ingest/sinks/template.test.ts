import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EdgewiseError } from '../../../../src/api/errors.js';
import { subjectRule } from '../../../../src/hub/ingest/sinks/nats/options.js';
import { parseTemplate, renderAll } from '../../../../src/hub/ingest/sinks/template.js';
import { batch } from './support/records.js';

describe('destination templates', () => {
  it('fills {node}, {epoch} and {stream} and keeps the rest as written', () => {
    const template = parseTemplate('site.{node}/{epoch}:{stream}!');
    assert.ok(typeof template !== 'string');
    assert.equal(template.render({ node: 'n1', epoch: 'e2', stream: 's3' }), 'site.n1/e2:s3!');
  });

  it('says what is wrong with a malformed template', () => {
    assert.match(parseTemplate('{node') as string, /without a matching "}"/);
    assert.match(parseTemplate('node}') as string, /without a matching "{"/);
    assert.match(parseTemplate('{seq}') as string, /unknown placeholder \{seq\}/);
  });

  it('renders a batch, and fails naming the record whose destination the broker would refuse', () => {
    const template = parseTemplate('edge.{stream}.{node}');
    assert.ok(typeof template !== 'string');
    const records = [...batch({ count: 2 }), ...batch({ node: 'a.b', count: 1 })];
    assert.deepEqual(renderAll(template, subjectRule, records, 'subject'), [
      'edge.shipments.store-001',
      'edge.shipments.store-001',
      'edge.shipments.a.b',
    ]);
    const bad = batch({ node: 'bad node', count: 1 });
    assert.throws(
      () => renderAll(template, subjectRule, [...records, ...bad], 'subject'),
      (err: unknown) =>
        EdgewiseError.isCode(err, 'EW_INVALID') &&
        err.message.includes(bad[0]!.dedupKey) &&
        /whitespace/.test(err.message),
    );
  });
});
