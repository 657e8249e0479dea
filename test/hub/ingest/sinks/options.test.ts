import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { EdgewiseError } from '../../../../src/api/errors.js';
import {
  MqttSink,
  NatsJetStreamSink,
  PostgresSink,
  RabbitMqSink,
  SINK_TYPES,
} from '../../../../src/hub/ingest/sinks/index.js';

/** Asserts `create` throws EW_INVALID whose causes name exactly `fields`; returns the message. */
function invalid(create: () => unknown, fields: string[]): string {
  let caught: unknown;
  try {
    create();
  } catch (err) {
    caught = err;
  }
  assert.ok(EdgewiseError.isCode(caught, 'EW_INVALID'), `expected EW_INVALID, got ${String(caught)}`);
  assert.deepEqual(
    caught.details?.causes?.map((c) => c.field),
    fields,
  );
  return caught.message;
}

const rabbit = { url: 'amqp://guest:guest@rabbitmq:5672', exchange: 'edge' };

describe('sink options', () => {
  it('describes every option of every sink type, with the defaults the sinks apply', () => {
    assert.deepEqual(Object.keys(SINK_TYPES).sort(), ['mqtt', 'nats', 'postgres', 'rabbitmq']);
    for (const [type, entry] of Object.entries(SINK_TYPES)) {
      assert.ok(entry.describe.length > 0, type);
      for (const option of entry.describe) {
        assert.ok(option.doc.length > 10, `${type}.${option.name} is documented`);
        assert.ok(option.type, `${type}.${option.name} has a type`);
      }
    }
    const byName = Object.fromEntries(SINK_TYPES.rabbitmq.describe.map((o) => [o.name, o]));
    assert.deepEqual(
      {
        required: byName.url?.required,
        exchange: byName.exchange?.required,
        routingKey: byName.routingKey?.default,
      },
      { required: true, exchange: true, routingKey: '{stream}.{node}' },
    );
    const sink = new RabbitMqSink(rabbit);
    for (const option of SINK_TYPES.rabbitmq.describe) {
      if ('default' in option)
        assert.deepEqual(sink.options[option.name as keyof typeof sink.options], option.default);
    }
    assert.ok(Object.isFrozen(sink.options));
  });

  it('documents every option of every sink in docs/data-sinks.md', () => {
    // From <dist>/test/hub/ingest/sinks/ up to the repository.
    const doc = readFileSync(new URL('../../../../../docs/data-sinks.md', import.meta.url), 'utf8');
    const headings: Record<string, string> = {
      rabbitmq: '### RabbitMQ',
      nats: '### NATS JetStream',
      mqtt: '### MQTT',
      postgres: '### PostgreSQL',
    };
    for (const [type, entry] of Object.entries(SINK_TYPES)) {
      const start = doc.indexOf(`\n${headings[type]}\n`);
      assert.ok(start >= 0, `docs/data-sinks.md has a section ${headings[type]}`);
      const section = doc.slice(start + 1, doc.indexOf('\n### ', start + 1));
      for (const option of entry.describe) {
        assert.ok(
          section.includes(`| \`${option.name}\` |`),
          `${type} option ${option.name} is in its section`,
        );
      }
    }
  });

  it('names sinks by destination, never by URL (which may hold a password)', async () => {
    const sinks = [
      SINK_TYPES.rabbitmq.create(rabbit),
      SINK_TYPES.nats.create({ servers: 'nats://nats:4222', subject: 'edge.{stream}' }),
      SINK_TYPES.mqtt.create({ url: 'mqtt://u:secret@mosquitto:1883' }),
      SINK_TYPES.postgres.create({ connectionString: 'postgres://u:secret@db/edge', table: 'sync.records' }),
    ];
    assert.deepEqual(
      sinks.map((s) => s.name),
      [
        'rabbitmq:edge/{stream}.{node}',
        'nats:edge.{stream}',
        'mqtt:edgewise/{stream}/{node}',
        'postgres:sync.records',
      ],
    );
    for (const sink of sinks) await sink.close();
  });

  it('rejects unknown options, naming the known ones', () => {
    const message = invalid(
      () => SINK_TYPES.rabbitmq.create({ ...rabbit, routingkey: '{node}' }),
      ['routingkey'],
    );
    assert.match(message, /unknown option; known options: url, exchange, routingKey/);
  });

  it('reports every missing or invalid option at once', () => {
    invalid(
      () => SINK_TYPES.postgres.create({ table: 'bad-name', poolSize: 0 }),
      ['connectionString', 'table', 'poolSize'],
    );
    invalid(() => SINK_TYPES.nats.create('nats://nats:4222'), ['']);
    invalid(() => SINK_TYPES.mqtt.create({ url: 'http://mosquitto', timeoutMs: 5 }), ['url', 'timeoutMs']);
  });

  it('never echoes a secret back', () => {
    const message = invalid(
      () => new PostgresSink({ connectionString: 'mysql://u:hunter2@db/x', table: 't' }),
      ['connectionString'],
    );
    assert.doesNotMatch(message, /hunter2/);
  });

  it('checks templates: known placeholders, and what the broker accepts', () => {
    assert.match(
      invalid(() => new RabbitMqSink({ ...rabbit, routingKey: '{site}.{stream}' }), ['routingKey']),
      /unknown placeholder \{site\}/,
    );
    invalid(() => new RabbitMqSink({ ...rabbit, routingKey: '{stream' }), ['routingKey']);
    invalid(() => new NatsJetStreamSink({ servers: 'nats://n', subject: 'edge.>' }), ['subject']);
    invalid(() => new NatsJetStreamSink({ servers: 'nats://n', subject: 'edge..{stream}' }), ['subject']);
    invalid(() => new MqttSink({ url: 'mqtt://m', topic: 'edge/+/{stream}' }), ['topic']);
    invalid(() => new MqttSink({ url: 'mqtt://m', topic: '$SYS/{stream}' }), ['topic']);
  });

  it('checks options that depend on each other', () => {
    invalid(() => new NatsJetStreamSink({ servers: 'nats://n', user: 'hub' }), ['password']);
    invalid(
      () => new NatsJetStreamSink({ servers: 'nats://n', user: 'hub', password: 'p', token: 't' }),
      ['token'],
    );
    invalid(
      () => new RabbitMqSink({ ...rabbit, exchange: '', assertExchange: { type: 'topic' } }),
      ['assertExchange'],
    );
    invalid(
      () => new RabbitMqSink({ ...rabbit, assertExchange: { type: 'x-delayed' } as never }),
      ['assertExchange'],
    );
  });
});
