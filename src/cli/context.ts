/** What every client verb needs: output streams, the hub client, discovery, the namespace. */
import { HubClient } from './client.js';
import { resolveConfig } from './config.js';
import { Discovery } from './discovery.js';

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Reads all of stdin (for `-f -`). */
  readStdin?: () => string;
  /** Aborts long-running verbs (`get -w`, `logs -f`); Ctrl-C in the real CLI. */
  signal?: AbortSignal;
}

export interface GlobalOptions {
  hub?: string;
  token?: string;
  config?: string;
  namespace?: string;
}

export class CliContext {
  readonly io: CliIO;
  readonly #options: GlobalOptions;
  #client: HubClient | undefined;
  #discovery: Discovery | undefined;
  #configNamespace: string | undefined;

  constructor(io: CliIO, options: GlobalOptions) {
    this.io = io;
    this.#options = options;
  }

  get client(): HubClient {
    if (!this.#client) {
      const resolved = resolveConfig({
        env: this.io.env,
        ...(this.#options.hub && { hub: this.#options.hub }),
        ...(this.#options.token && { token: this.#options.token }),
        ...(this.#options.config && { config: this.#options.config }),
      });
      this.#configNamespace = resolved.namespace;
      this.#client = new HubClient(resolved.connection);
    }
    return this.#client;
  }

  get discovery(): Discovery {
    this.#discovery ??= new Discovery(this.client);
    return this.#discovery;
  }

  /** `-n`, else the config's namespace, else `default`. */
  get namespace(): string {
    void this.client;
    return this.#options.namespace ?? this.#configNamespace ?? 'default';
  }

  get namespaceExplicit(): boolean {
    return this.#options.namespace !== undefined;
  }

  out(text: string): void {
    this.io.stdout(text.endsWith('\n') ? text : `${text}\n`);
  }

  err(text: string): void {
    this.io.stderr(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Prints server warnings the way kubectl does. */
  warnings(header: string | string[] | undefined): void {
    for (const warning of parseWarningHeader(header)) this.err(`Warning: ${warning}`);
  }
}

/** Parses `299 - "text"` warning values (possibly several, comma-joined by Node). */
export function parseWarningHeader(header: string | string[] | undefined): string[] {
  if (!header) return [];
  const text = Array.isArray(header) ? header.join(', ') : header;
  const out: string[] = [];
  const re = /\d{3} \S+ "((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push((m[1] ?? '').replace(/\\(.)/g, '$1'));
  return out;
}
