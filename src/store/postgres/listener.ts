/**
 * A dedicated connection that LISTENs for the store's write notifications. Pooled
 * connections cannot listen (a LISTEN lives as long as its session), so this one is
 * kept apart and reconnected with back-off when it drops; after a reconnect the
 * owner is told to re-read, since notifications sent meanwhile are lost.
 */
import pg from 'pg';
import type { StoreLogger } from '../common/options.js';
import { quoteIdent } from './schema.js';

export interface ListenerHandlers {
  /** A writer committed `revision` (the payload); undefined if the payload is not a number. */
  notified(revision: number | undefined): void;
  /** Listening again after a gap in which notifications may have been missed. */
  reconnected(): void;
}

const MIN_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

export class PgListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private retryMs = MIN_RETRY_MS;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly channel: string,
    private readonly handlers: ListenerHandlers,
    private readonly logger: StoreLogger,
  ) {}

  /** Connects and listens; rejects if the first connection fails. */
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.config);
    client.on('notification', (message) => {
      if (message.channel !== this.channel) return;
      const revision = Number(message.payload);
      this.handlers.notified(Number.isSafeInteger(revision) ? revision : undefined);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, undefined));
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(this.channel)}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch((endError: unknown) => {
        this.logger.warn(
          { component: 'store.postgres.listener', err: endError },
          'closing a failed listener connection failed',
        );
      });
      throw err;
    }
    if (this.stopped) {
      await client.end();
      return;
    }
    this.client = client;
  }

  private lost(client: pg.Client, err: Error | undefined): void {
    if (this.client !== client || this.stopped) return;
    this.client = undefined;
    this.logger.warn(
      { component: 'store.postgres.listener', err },
      'lost the PostgreSQL notification connection; reconnecting',
    );
    client.removeAllListeners('end');
    client.end().catch((endError: unknown) => {
      this.logger.warn(
        { component: 'store.postgres.listener', err: endError },
        'closing a broken listener connection failed',
      );
    });
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.connect().then(
        () => {
          this.retryMs = MIN_RETRY_MS;
          if (!this.stopped) this.handlers.reconnected();
        },
        (err: unknown) => {
          this.logger.warn(
            { component: 'store.postgres.listener', err },
            'reconnecting the notification connection failed',
          );
          this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
          this.scheduleReconnect();
        },
      );
    }, this.retryMs);
    // Reconnecting must not keep a process alive that is otherwise done.
    this.retryTimer.unref();
  }
}
