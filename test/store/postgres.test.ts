import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import pg from 'pg';
import { EdgewiseError } from '../../src/api/errors.js';
import type { StoreLogger } from '../../src/store/common/options.js';
import { openStore } from '../../src/store/open.js';
import { openPostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/index.js';
import type { Store } from '../../src/store/store.js';
import { POSTGRES, serviceOrSkip } from '../support/services.js';
import { bounded, CONFIGMAPS, configMap, Reader, rejectsWith, summary } from './suite/support.js';
import { storeSuite } from './suite.js';

const CONNECTION = process.env.EDGEWISE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Every schema this run creates starts with this, and is dropped at the end. */
const RUN = `ew_test_${process.pid}_${Date.now().toString(36)}`;
const schemas = new Set<string>();
let created = 0;

function newSchema(): string {
  const schema = `${RUN}_${created++}`;
  schemas.add(schema);
  return schema;
}

async function dropSchemas(): Promise<void> {
  if (schemas.size === 0) return;
  const client = new pg.Client({ connectionString: CONNECTION });
  await client.connect();
  try {
    for (const schema of schemas) {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      schemas.delete(schema);
    }
  } finally {
    await client.end();
  }
}

/** Collects background warnings instead of printing them; tests assert on them where relevant. */
function quietLogger(): StoreLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (_obj, msg) => lines.push(msg), error: (_obj, msg) => lines.push(msg) };
}

/** Small pools: the server is shared with other suites running at the same time. */
function openReplica(schema: string, options: Partial<PostgresStoreOptions> = {}): Promise<Store> {
  return openPostgresStore({
    connectionString: CONNECTION,
    schema,
    compaction: false,
    poolSize: 3,
    logger: quietLogger(),
    ...options,
  });
}

storeSuite('PostgreSQL store', {
  setup: () => serviceOrSkip(POSTGRES),
  open: (options) => openReplica(newSchema(), { compaction: options?.compaction ?? false }),
  teardown: dropSchemas,
});

describe('PostgreSQL replicas sharing one schema', () => {
  let skip: string | undefined;
  /** Replicas opened by the running test, closed when it ends. */
  let stores: Store[] = [];
  const replica = async (schema: string, options?: Partial<PostgresStoreOptions>) => {
    const store = await openReplica(schema, options);
    stores.push(store);
    return store;
  };
  before(async () => {
    skip = await serviceOrSkip(POSTGRES);
  });
  afterEach(async () => {
    const open = stores;
    stores = [];
    for (const store of open) await store.close();
  });
  after(async () => {
    if (!skip) await dropSchemas();
  });

  it('each replica’s watchers see the other’s writes, in one revision order', async (t) => {
    if (skip) return t.skip(skip);
    const schema = newSchema();
    const [a, b] = [await replica(schema), await replica(schema)];
    const onA = new Reader(a.watch({ fromRevision: 0 }));
    const onB = new Reader(b.watch({ fromRevision: 0 }));
    const x = await a.create(CONFIGMAPS, configMap('x'));
    assert.deepEqual(await b.get({ resource: CONFIGMAPS, namespace: 'default', name: 'x' }), x);
    const y = await b.create(CONFIGMAPS, configMap('y'));
    await a.update(CONFIGMAPS, { ...y, data: { key: 'from a' } });
    await b.delete({ resource: CONFIGMAPS, namespace: 'default', name: 'x' });
    const expected = [
      `ADDED ${CONFIGMAPS} default/x @1`,
      `ADDED ${CONFIGMAPS} default/y @2`,
      `MODIFIED ${CONFIGMAPS} default/y @3`,
      `DELETED ${CONFIGMAPS} default/x @4`,
    ];
    assert.deepEqual(summary(await onA.take(4)), expected);
    assert.deepEqual(summary(await onB.take(4)), expected);
    assert.equal(await a.revision(), 4);
    assert.equal(await b.revision(), 4);
  });

  it('concurrent writes from three replicas: consecutive revisions, seen gap-free and in order', async (t) => {
    if (skip) return t.skip(skip);
    const schema = newSchema();
    const replicas = [await replica(schema), await replica(schema), await replica(schema)];
    const watchers = replicas.map((r) => new Reader(r.watch({ resource: CONFIGMAPS, fromRevision: 0 })));
    // Start reading before the writes so live delivery (not only history) is exercised.
    const seen = watchers.map((w) => w.take(90));
    const created = await Promise.all(
      replicas.flatMap((r, i) =>
        Array.from({ length: 30 }, (_, j) => r.create(CONFIGMAPS, configMap(`r${i}-${j}`))),
      ),
    );
    const revisions = created.map((o) => Number(o.metadata.resourceVersion)).sort((p, q) => p - q);
    assert.deepEqual(
      revisions,
      Array.from({ length: 90 }, (_, i) => i + 1),
    );
    for (const events of await bounded(Promise.all(seen), 'every replica’s watcher to see 90 events')) {
      assert.deepEqual(
        events.map((e) => e.revision),
        revisions,
      );
    }
  });

  it('concurrent creates of one name across replicas: exactly one wins', async (t) => {
    if (skip) return t.skip(skip);
    const schema = newSchema();
    const replicas = [await replica(schema), await replica(schema), await replica(schema)];
    const results = await Promise.allSettled(
      replicas.flatMap((r, i) =>
        Array.from({ length: 8 }, (_, j) =>
          r.create(CONFIGMAPS, configMap('contested', 'default', { by: `${i}-${j}` })),
        ),
      ),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) {
      if (r.status === 'rejected')
        assert.ok(EdgewiseError.isCode(r.reason, 'EW_ALREADY_EXISTS'), String(r.reason));
    }
    assert.equal(await replicas[2]?.revision(), 1);
  });

  it('compaction by one replica applies to all', async (t) => {
    if (skip) return t.skip(skip);
    const schema = newSchema();
    const [a, b] = [await replica(schema), await replica(schema)];
    for (let i = 0; i < 4; i++) await a.create(CONFIGMAPS, configMap(`cm-${i}`));
    await b.compact(3);
    assert.equal(await a.compactedRevision(), 3);
    const gone = new Reader(a.watch({ fromRevision: 2 }));
    assert.ok(EdgewiseError.isCode(await gone.failure(), 'EW_GONE'));
    assert.deepEqual(summary(await new Reader(a.watch({ fromRevision: 3 })).take(1)), [
      `ADDED ${CONFIGMAPS} default/cm-3 @4`,
    ]);
  });

  it('a watcher keeps receiving another replica’s writes after its LISTEN connection is killed', async (t) => {
    if (skip) return t.skip(skip);
    const schema = newSchema();
    const logger = quietLogger();
    // No safety-net poll: only the reconnect can bring the events.
    const b = await replica(schema, { logger, pollIntervalMs: 3_600_000 });
    const a = await replica(schema);
    const onB = new Reader(b.watch({ fromRevision: 0 }));
    await a.create(CONFIGMAPS, configMap('before'));
    assert.deepEqual(summary([await onB.next()]), [`ADDED ${CONFIGMAPS} default/before @1`]);
    const admin = new pg.Client({ connectionString: CONNECTION });
    await admin.connect();
    try {
      const { rowCount } = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1 AND pid <> pg_backend_pid()`,
        [`LISTEN "edgewise_${schema}"`],
      );
      assert.equal(rowCount, 2, 'both replicas were listening');
    } finally {
      await admin.end();
    }
    await a.create(CONFIGMAPS, configMap('during'));
    await a.create(CONFIGMAPS, configMap('after'));
    assert.deepEqual(summary(await onB.take(2)), [
      `ADDED ${CONFIGMAPS} default/during @2`,
      `ADDED ${CONFIGMAPS} default/after @3`,
    ]);
    assert.ok(
      logger.lines.some((l) => /reconnecting/.test(l)),
      'the lost connection was reported',
    );
  });

  it('openStore routes postgres:// URLs and takes the schema from ?schema=', async (t) => {
    if (skip) return t.skip(skip);
    const schema = newSchema();
    const viaUrl = await openStore(`${CONNECTION}?schema=${schema}`, {
      compaction: false,
      logger: quietLogger(),
    });
    stores.push(viaUrl);
    const direct = await replica(schema);
    await viaUrl.create(CONFIGMAPS, configMap('via-url'));
    assert.ok(await direct.get({ resource: CONFIGMAPS, namespace: 'default', name: 'via-url' }));
  });

  it('operations on a closed replica fail with EW_UNAVAILABLE and leave the others working', async (t) => {
    if (skip) return t.skip(skip);
    const schema = newSchema();
    const [a, b] = [await replica(schema), await replica(schema)];
    await a.close();
    await rejectsWith(a.create(CONFIGMAPS, configMap('x')), 'EW_UNAVAILABLE');
    await rejectsWith(a.list(CONFIGMAPS), 'EW_UNAVAILABLE');
    assert.equal((await b.create(CONFIGMAPS, configMap('x'))).metadata.resourceVersion, '1');
  });
});
