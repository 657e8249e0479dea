/** Streams watch events as newline-delimited JSON, one event per line, as kube-apiserver does. */
import type { ServerResponse } from 'node:http';
import { toStatus } from '../../api/errors.js';
import type { WatchEvent } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import { columnDefinitions, type IncludeObject, toRows } from './table.js';

export interface WatchStreamOptions {
  type: ResourceType;
  table: boolean;
  include: IncludeObject;
  now: () => Date;
  /** Ends the stream after this long, as `?timeoutSeconds=` asks. */
  timeoutMs?: number;
}

export async function streamWatch(
  res: ServerResponse,
  events: AsyncGenerator<WatchEvent>,
  abort: AbortController,
  options: WatchStreamOptions,
): Promise<void> {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'no-cache, private');
  res.setHeader('Transfer-Encoding', 'chunked');
  res.flushHeaders();
  const onClose = () => abort.abort();
  res.once('close', onClose);
  let timer: NodeJS.Timeout | undefined;
  if (options.timeoutMs !== undefined) timer = setTimeout(() => abort.abort(), options.timeoutMs);
  let first = true;
  try {
    for await (const event of events) {
      if (abort.signal.aborted) break;
      let object: unknown = event.object;
      if (options.table) {
        // Column definitions ride only on the first event, as the apiserver sends them.
        object = {
          kind: 'Table',
          apiVersion: 'meta.k8s.io/v1',
          metadata: { resourceVersion: event.object.metadata.resourceVersion },
          columnDefinitions: first ? columnDefinitions(options.type) : [],
          rows: toRows(options.type, [event.object], options.now(), options.include),
        };
      }
      first = false;
      const ok = res.write(`${JSON.stringify({ type: event.type, object })}\n`);
      if (!ok)
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.once('drain', done);
          res.once('close', done);
        });
    }
  } catch (err) {
    if (!abort.signal.aborted && !res.destroyed)
      res.write(`${JSON.stringify({ type: 'ERROR', object: toStatus(err) })}\n`);
  } finally {
    if (timer) clearTimeout(timer);
    res.off('close', onClose);
    abort.abort();
    await events.return(undefined);
    if (!res.destroyed) res.end();
  }
}
