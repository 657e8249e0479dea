/**
 * HTTP to a registry: base URLs (plain HTTP for loopback and listed registries),
 * the Bearer token dance and Basic credentials, and mapping failures to
 * EdgewiseError codes (unreachable → EW_UNAVAILABLE, 404 → EW_NOT_FOUND, …).
 */
import { EdgewiseError } from '../../api/errors.js';
import { caFetch, type FetchLike } from './ca-fetch.js';

export interface Credentials {
  username: string;
  password: string;
}

/** How to reach one registry when host name and defaults are not enough (the hub's module store). */
export interface RegistryEndpoint {
  /** Base URL (`https://10.0.0.1:6443`): its scheme wins over the loopback/insecure rule. */
  url?: string;
  /** PEM of a CA to trust for this registry, e.g. the hub's own CA. */
  ca?: string;
  /**
   * An `Authorization` header sent with every request (`Bearer <token>`), so no
   * challenge round trip is needed; a 401 with it is EW_UNAUTHORIZED at once.
   */
  authorization?: string;
}

export interface RegistryHttpOptions {
  insecureRegistries: readonly string[];
  credentials: Readonly<Record<string, Credentials>>;
  /** Per registry (`host[:port]`): base URL, CA, preset authorization. */
  endpoints?: Readonly<Record<string, RegistryEndpoint>>;
  /** The fetch used for registries without a CA of their own. @default globalThis.fetch */
  fetch?: FetchLike;
  timeoutMs: number;
  userAgent: string;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

export class RegistryHttp {
  private readonly tokens = new Map<string, string>();
  private readonly fetchers = new Map<string, FetchLike>();

  constructor(private readonly options: RegistryHttpOptions) {}

  baseUrl(registry: string): string {
    const url = this.options.endpoints?.[registry]?.url;
    if (url) return url.replace(/\/+$/, '');
    const host = registry === 'docker.io' ? 'registry-1.docker.io' : registry;
    const insecure = LOOPBACK.test(registry) || this.options.insecureRegistries.includes(registry);
    return `${insecure ? 'http' : 'https'}://${host}`;
  }

  /** Sends a request, answering one auth challenge; throws EW_UNAVAILABLE when unreachable. */
  async send(registry: string, scope: string, url: string, init: RequestInit = {}): Promise<Response> {
    const preset = this.options.endpoints?.[registry]?.authorization;
    const first = await this.raw(registry, url, init, preset ?? this.tokens.get(`${registry} ${scope}`));
    if (preset && (first.status === 401 || first.status === 403)) {
      const why = await registryError(first);
      throw new EdgewiseError(
        first.status === 401 ? 'EW_UNAUTHORIZED' : 'EW_FORBIDDEN',
        `registry ${registry} refused the credential for ${scope} (${why})`,
      );
    }
    if (first.status !== 401) return first;
    const challenge = first.headers.get('www-authenticate') ?? '';
    await first.body?.cancel();
    const auth = await this.authorize(registry, scope, challenge);
    const second = await this.raw(registry, url, init, auth);
    if (second.status === 401 || second.status === 403) {
      await second.body?.cancel();
      throw new EdgewiseError(
        second.status === 401 ? 'EW_UNAUTHORIZED' : 'EW_FORBIDDEN',
        `registry ${registry} refused access to ${scope}`,
      );
    }
    return second;
  }

  private async raw(registry: string, url: string, init: RequestInit, auth?: string): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('user-agent', this.options.userAgent);
    if (auth) headers.set('authorization', auth);
    try {
      return await this.fetcher(registry)(url, {
        ...init,
        headers,
        signal: AbortSignal.timeout(this.options.timeoutMs),
        redirect: 'follow',
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new EdgewiseError('EW_UNAVAILABLE', `registry ${registry} is unreachable (${why})`, undefined, {
        cause: err,
      });
    }
  }

  private fetcher(registry: string): FetchLike {
    let f = this.fetchers.get(registry);
    if (!f) {
      const ca = this.options.endpoints?.[registry]?.ca;
      f = ca ? caFetch(ca) : (this.options.fetch ?? ((u, i) => fetch(u, i)));
      this.fetchers.set(registry, f);
    }
    return f;
  }

  private async authorize(registry: string, scope: string, challenge: string): Promise<string> {
    const creds = this.options.credentials[registry];
    const basic = creds
      ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`
      : undefined;
    if (/^basic/i.test(challenge)) {
      if (!basic) throw new EdgewiseError('EW_UNAUTHORIZED', `registry ${registry} needs credentials`);
      this.tokens.set(`${registry} ${scope}`, basic);
      return basic;
    }
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!/^bearer/i.test(challenge) || !params.realm) {
      throw new EdgewiseError(
        'EW_UNAUTHORIZED',
        `registry ${registry} asked for unsupported auth: ${challenge || 'none'}`,
      );
    }
    const tokenUrl = new URL(params.realm);
    if (params.service) tokenUrl.searchParams.set('service', params.service);
    tokenUrl.searchParams.set('scope', params.scope ?? scope);
    const res = await this.raw(
      registry,
      tokenUrl.toString(),
      basic ? { headers: { authorization: basic } } : {},
    );
    if (!res.ok) {
      await res.body?.cancel();
      throw new EdgewiseError('EW_UNAUTHORIZED', `token service of ${registry} answered ${res.status}`);
    }
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new EdgewiseError('EW_UNAUTHORIZED', `token service of ${registry} sent no token`);
    const header = `Bearer ${token}`;
    this.tokens.set(`${registry} ${scope}`, header);
    return header;
  }
}

/** Reads a Distribution error body (`{"errors":[{code,message}]}`) for messages. */
export async function registryError(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
    const first = body.errors?.[0];
    if (first) return `${first.code ?? res.status}: ${first.message ?? ''}`.trim();
  } catch {
    // Not JSON: fall through to the raw text, which is still the best explanation.
  }
  return `${res.status} ${text.slice(0, 200)}`.trim();
}
