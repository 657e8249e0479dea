/**
 * The behaviour every external sink owes the hub, as one suite each sink runs against
 * its real server: `sinkSuite(name, harness)`. The sink always talks to the server
 * through a TcpProxy, so a test can take the server down, cut connections or count
 * them. Sink-specific tests use the same `serverTest` to get a destination and proxy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Sink, SinkRecord } from '../../../../../src/hub/ingest/sink.js';
import { type ServiceProbe, serviceOrSkip } from '../../../../support/services.js';
import { eventually, rejectsWithCode } from './expect.js';
import { closedPort, TcpProxy } from './proxy.js';
import { batch, unique } from './records.js';

/** A record as a consumer read it back from the server. */
export interface Received {
  dedupKey: string;
  node: string;
  epoch: string;
  stream: string;
  seq: number;
  data: unknown;
}

/** Where one test's records go (a queue bound to a fresh exchange, a stream, a topic, a table). */
export interface Destination {
  /** A sink publishing here, reaching the server at 127.0.0.1:`port`. */
  sink(port: number, options?: { timeoutMs?: number }): Sink;
  /**
   * What reached the destination, in the order a consumer sees it, once at least
   * `count` records have (bounded wait; fails the test if they never do).
   */
  read(count: number): Promise<Received[]>;
  cleanup(): Promise<void>;
}

export interface SinkHarness<D extends Destination = Destination> {
  probe: ServiceProbe;
  /**
   * How a redelivered batch shows downstream: not at all (JetStream's dedup window, a
   * unique key), or again with the same dedup keys for the consumer to drop.
   */
  redelivery: 'no-effect' | 'same-dedup-key';
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
  destination(): Promise<D>;
}

export interface TestContext<D extends Destination = Destination> {
  dest: D;
  proxy: TcpProxy;
  /** A sink through the proxy, closed after the test. */
  sink(options?: { timeoutMs?: number }): Sink;
  /** Registers a sink made some other way so it is closed after the test. */
  track<S extends Sink>(sink: S): S;
}

export type ServerTest<D extends Destination = Destination> = (
  title: string,
  body: (ctx: TestContext<D>) => Promise<void>,
) => void;

const keys = (records: readonly { dedupKey: string }[]) => records.map((r) => r.dedupKey);

/** Unique dedup keys in order of first arrival: what a consumer that dedups keeps. */
const firstSeen = (records: readonly Received[]) => [...new Set(keys(records))];

export function sinkSuite<D extends Destination>(
  name: string,
  harness: SinkHarness<D>,
  more?: (test: ServerTest<D>) => void,
): void {
  describe(name, () => {
    let skip: string | undefined;
    before(async () => {
      skip = await serviceOrSkip(harness.probe);
      if (!skip) await harness.setup?.();
    });
    after(async () => {
      if (!skip) await harness.teardown?.();
    });

    const test: ServerTest<D> = (title, body) => {
      it(title, { timeout: 60_000 }, async (t) => {
        if (skip) {
          t.skip(skip);
          return;
        }
        const dest = await harness.destination();
        const proxy = await TcpProxy.start({ host: harness.probe.host, port: harness.probe.port });
        const sinks: Sink[] = [];
        const track = <S extends Sink>(sink: S): S => {
          sinks.push(sink);
          return sink;
        };
        try {
          await body({ dest, proxy, track, sink: (options) => track(dest.sink(proxy.port, options)) });
        } finally {
          for (const sink of sinks) await sink.close();
          await proxy.stop();
          await dest.cleanup();
        }
      });
    };

    test('delivers batches in order, readable by a real consumer', async ({ dest, sink }) => {
      const s = sink();
      const first = batch({ count: 60 });
      const second = batch({ from: 61, count: 40 });
      await s.deliver(first);
      await s.deliver(second);
      const got = await dest.read(100);
      assert.deepEqual(keys(got), keys([...first, ...second]));
      assert.deepEqual(
        got.map((r) => r.seq),
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
      const [sent, read] = [first[6] as SinkRecord, got[6] as Received];
      assert.deepEqual(
        { node: read.node, epoch: read.epoch, stream: read.stream, data: read.data },
        { node: sent.node, epoch: sent.epoch, stream: sent.stream, data: sent.data },
      );
    });

    if (harness.redelivery === 'no-effect') {
      test('a redelivered batch has no second effect', async ({ dest, sink }) => {
        const s = sink();
        const records = batch({ count: 20 });
        await s.deliver(records);
        await s.deliver(records);
        // Overlapping: a retry that also carries records the first attempt did not.
        await s.deliver(batch({ from: 11, count: 20 }));
        const got = await dest.read(30);
        assert.deepEqual(keys(got), keys(batch({ count: 30 })));
      });
    } else {
      test('a redelivered batch arrives with the same dedup keys, so a consumer can drop it', async ({
        dest,
        sink,
      }) => {
        const s = sink();
        const records = batch({ count: 20 });
        await s.deliver(records);
        await s.deliver(records);
        const got = await dest.read(40);
        assert.equal(got.length, 40);
        assert.deepEqual(keys(got.slice(0, 20)), keys(records));
        assert.deepEqual(keys(got.slice(20)), keys(records));
        assert.deepEqual(firstSeen(got), keys(records));
      });
    }

    test('concurrent batches on one sink all arrive, each stream in order', async ({ dest, sink }) => {
      const s = sink();
      const a = batch({ stream: 'orders', count: 50 });
      const b = batch({ stream: 'telemetry', node: 'store-002', count: 50 });
      await Promise.all([s.deliver(a), s.deliver(b)]);
      const got = await dest.read(100);
      assert.equal(got.length, 100);
      assert.deepEqual(keys(got.filter((r) => r.stream === 'orders')), keys(a));
      assert.deepEqual(keys(got.filter((r) => r.stream === 'telemetry')), keys(b));
    });

    test('an empty batch resolves without connecting', async ({ proxy, sink }) => {
      await sink().deliver([]);
      assert.equal(proxy.accepted, 0);
    });

    test('a server that is not there fails the batch with EW_UNAVAILABLE', async ({ dest, track }) => {
      const s = track(dest.sink(await closedPort()));
      await rejectsWithCode(s.deliver(batch({ count: 3 })), 'EW_UNAVAILABLE', /unreachable|refused|closed/i);
      // And again: a failed connect leaves the sink ready to try once more.
      await rejectsWithCode(s.deliver(batch({ count: 3 })), 'EW_UNAVAILABLE');
    });

    test('a server that never answers fails the batch with EW_UNAVAILABLE after timeoutMs', async ({
      dest,
      proxy,
      sink,
    }) => {
      proxy.mode = 'blackhole';
      const s = sink({ timeoutMs: 300 });
      await rejectsWithCode(s.deliver(batch({ count: 3 })), 'EW_UNAVAILABLE', /300 ms/);
      // The hung attempt must not hold the sink: once the server answers, it delivers.
      proxy.mode = 'forward';
      proxy.sever();
      await eventuallyDelivers(s, batch({ count: 3 }));
      assert.deepEqual(keys(await dest.read(3)), keys(batch({ count: 3 })));
    });

    test('holds delivery while the server is down and resumes when it is back', async ({
      dest,
      proxy,
      sink,
    }) => {
      const s = sink();
      await s.deliver(batch({ count: 10 }));
      await proxy.stop();
      const held = batch({ from: 11, count: 10 });
      await rejectsWithCode(s.deliver(held), 'EW_UNAVAILABLE');
      await rejectsWithCode(s.deliver(held), 'EW_UNAVAILABLE');
      await proxy.listen();
      await s.deliver(held);
      assert.deepEqual(firstSeen(await dest.read(20)), keys(batch({ count: 20 })));
    });

    test('reconnects after losing its connection, without a new sink', async ({ dest, proxy, sink }) => {
      const s = sink();
      await s.deliver(batch({ count: 10 }));
      assert.equal(proxy.connections > 0, true);
      proxy.sever();
      await eventuallyDelivers(s, batch({ from: 11, count: 10 }));
      assert.ok(proxy.accepted >= 2, 'the sink opened a new connection');
      assert.deepEqual(firstSeen(await dest.read(20)), keys(batch({ count: 20 })));
    });

    test('close() releases its connections; deliveries after it fail with EW_UNAVAILABLE', async ({
      proxy,
      sink,
    }) => {
      const s = sink();
      await s.deliver(batch({ count: 5 }));
      assert.ok(proxy.connections > 0);
      await s.close();
      await eventually('the sink has no connection open', () => proxy.connections === 0);
      await rejectsWithCode(s.deliver(batch({ count: 1 })), 'EW_UNAVAILABLE', /closed/);
      assert.equal(proxy.connections, 0);
      await s.close(); // idempotent
    });

    more?.(test);
  });
}

/**
 * Delivers `records`, allowing a bounded number of EW_UNAVAILABLE failures first: right
 * after a connection is cut the first attempt may still meet the dying socket.
 */
export async function eventuallyDelivers(
  sink: Sink,
  records: readonly SinkRecord[],
  attempts = 3,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await sink.deliver(records);
      return;
    } catch (err) {
      await rejectsWithCode(Promise.reject(err), 'EW_UNAVAILABLE');
      if (attempt === attempts) throw err;
    }
  }
}

export { unique };
