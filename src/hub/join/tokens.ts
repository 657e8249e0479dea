/**
 * Join tokens: create, list, delete, and the check a join makes. Secrets are
 * compared in constant time; expiry follows an injectable clock; a one-time token is
 * consumed with a conditional write (the store's optimistic concurrency), so of two
 * joins racing with one token exactly one wins.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { EdgewiseError } from '../../api/errors.js';
import {
  type CreateTokenResponse,
  formatJoinToken,
  type JoinToken,
  type JoinTokenInfo,
  randomTokenPart,
  TOKEN_ID_PATTERN,
} from '../../api/join.js';
import { secretType } from '../../api/kinds/core.js';
import type { ResourceService } from '../service/resource-service.js';
import {
  markUsed,
  newTokenSecret,
  readTokenSecret,
  type StoredToken,
  SYSTEM_NAMESPACE,
  tokenInfo,
  tokenSecretName,
} from './token-secret.js';

export interface JoinTokensOptions {
  service: ResourceService;
  /** The hub CA hash that full tokens carry. */
  caHash: string;
  /** @default () => new Date() */
  now?: () => Date;
}

export interface CreateTokenOptions {
  /** Lifetime in milliseconds; 0 means the token never expires. */
  ttlMs: number;
  oneTime?: boolean;
  description?: string;
}

/** Same words whether the id is unknown or the secret wrong: a caller must not learn which ids exist. */
const INVALID = 'the join token is invalid: unknown token id or wrong secret';
const MAX_DESCRIPTION = 1024;
/** Conflicts from unrelated edits (an admin changing the description) are retried this often. */
const MAX_CONSUME_ATTEMPTS = 5;

export class JoinTokens {
  readonly #service: ResourceService;
  readonly #caHash: string;
  readonly #now: () => Date;

  constructor(options: JoinTokensOptions) {
    this.#service = options.service;
    this.#caHash = options.caHash;
    this.#now = options.now ?? (() => new Date());
  }

  async create(options: CreateTokenOptions): Promise<CreateTokenResponse> {
    if (!Number.isFinite(options.ttlMs) || options.ttlMs < 0) {
      throw new EdgewiseError('EW_BAD_REQUEST', 'the token TTL must be zero (never expires) or positive');
    }
    if ((options.description?.length ?? 0) > MAX_DESCRIPTION) {
      throw new EdgewiseError(
        'EW_BAD_REQUEST',
        `the token description is longer than ${MAX_DESCRIPTION} characters`,
      );
    }
    const expires = options.ttlMs > 0 ? new Date(this.#now().getTime() + options.ttlMs) : undefined;
    for (let attempt = 0; ; attempt++) {
      const token = { id: randomTokenPart(6), secret: randomTokenPart(16) };
      const body = newTokenSecret({
        ...token,
        oneTime: options.oneTime === true,
        ...(expires && { expires }),
        ...(options.description && { description: options.description }),
      });
      try {
        const { object } = await this.#service.create(secretType, SYSTEM_NAMESPACE, body);
        const stored = readTokenSecret(object);
        if (!stored)
          throw new EdgewiseError(
            'EW_INTERNAL',
            'a join token was stored in a form that cannot be read back',
          );
        return { token: formatJoinToken({ ...token, caHash: this.#caHash }), info: tokenInfo(stored) };
      } catch (err) {
        // 36^6 ids: a collision is rare, and a fresh id resolves it.
        if (attempt >= 3 || !EdgewiseError.isCode(err, 'EW_ALREADY_EXISTS')) throw err;
      }
    }
  }

  async list(): Promise<JoinTokenInfo[]> {
    const { items } = await this.#service.list(secretType, SYSTEM_NAMESPACE);
    return items.flatMap((o) => {
      const token = readTokenSecret(o);
      return token ? [tokenInfo(token)] : [];
    });
  }

  async delete(id: string): Promise<void> {
    if (!TOKEN_ID_PATTERN.test(id))
      throw new EdgewiseError('EW_BAD_REQUEST', `"${id}" is not a token id (6 characters a-z, 0-9)`);
    const existing = await this.#service.find(secretType, SYSTEM_NAMESPACE, tokenSecretName(id));
    if (!existing || !readTokenSecret(existing)) {
      throw new EdgewiseError('EW_NOT_FOUND', `bootstrap token "${id}" not found`, {
        name: id,
        kind: 'bootstraptokens',
      });
    }
    await this.#service.delete(secretType, SYSTEM_NAMESPACE, tokenSecretName(id));
  }

  /** Checks a token without using it up. Throws EW_UNAUTHORIZED saying what is wrong. */
  async verify(token: JoinToken): Promise<StoredToken> {
    if (token.caHash !== undefined && token.caHash !== this.#caHash) {
      throw new EdgewiseError(
        'EW_UNAUTHORIZED',
        `the join token was made for a hub with another CA (${token.caHash}); this hub's CA is ${this.#caHash}`,
      );
    }
    const object = await this.#service.find(secretType, SYSTEM_NAMESPACE, tokenSecretName(token.id));
    const stored = object && readTokenSecret(object);
    // Compare even when there is nothing to compare with, so both failures take the same time.
    const matches = secretsEqual(token.secret, stored?.secret ?? 'x'.repeat(16));
    if (!stored || !matches) throw new EdgewiseError('EW_UNAUTHORIZED', INVALID);
    if (stored.expires && stored.expires.getTime() <= this.#now().getTime()) {
      throw new EdgewiseError(
        'EW_UNAUTHORIZED',
        `join token "${stored.id}" expired at ${tokenInfo(stored).expires ?? ''}`,
      );
    }
    if (stored.oneTime && stored.usedBy) {
      throw new EdgewiseError(
        'EW_UNAUTHORIZED',
        `join token "${stored.id}" is for one use and was already used by ${stored.usedBy}`,
      );
    }
    return stored;
  }

  /**
   * Verifies the token and, if it is one-time, marks it used by `nodeName` with a
   * write conditional on the version just read. A concurrent consumer makes that
   * write fail; reading again then finds the token used.
   */
  async consume(token: JoinToken, nodeName: string): Promise<StoredToken> {
    for (let attempt = 1; ; attempt++) {
      const stored = await this.verify(token);
      if (!stored.oneTime) return stored;
      try {
        const { object } = await this.#service.update(
          secretType,
          SYSTEM_NAMESPACE,
          stored.object.metadata.name ?? '',
          markUsed(stored.object, nodeName, this.#now()),
        );
        return readTokenSecret(object) ?? stored;
      } catch (err) {
        // Deleted by an admin between the read and the write: the token no longer exists.
        if (EdgewiseError.isCode(err, 'EW_NOT_FOUND')) throw new EdgewiseError('EW_UNAUTHORIZED', INVALID);
        if (attempt >= MAX_CONSUME_ATTEMPTS || !EdgewiseError.isCode(err, 'EW_CONFLICT')) throw err;
      }
    }
  }
}

function secretsEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}
