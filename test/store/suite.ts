/**
 * The store contract, as one suite every backend runs: `storeSuite(name, factory)`
 * registers every behaviour test against stores the factory opens.
 */
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../src/store/store.js';
import { concurrencyTests } from './suite/concurrency.js';
import { crudTests } from './suite/crud.js';
import { listTests } from './suite/list.js';
import type { Define, StoreFactory } from './suite/support.js';
import { watchTests } from './suite/watch.js';

export type { OpenOptions, StoreFactory } from './suite/support.js';

export function storeSuite(name: string, factory: StoreFactory): void {
  describe(name, () => {
    let skip: string | undefined;
    before(async () => {
      skip = await factory.setup?.();
    });
    after(async () => {
      await factory.teardown?.();
    });
    const define: Define = (title, body) => {
      it(title, { timeout: 60_000 }, async (t) => {
        if (skip) {
          t.skip(skip);
          return;
        }
        const stores: Store[] = [];
        try {
          await body({
            open: async (options) => {
              const store = await factory.open(options);
              stores.push(store);
              return store;
            },
          });
        } finally {
          for (const store of stores) await store.close();
        }
      });
    };
    crudTests(define);
    concurrencyTests(define);
    listTests(define);
    watchTests(define);
  });
}
