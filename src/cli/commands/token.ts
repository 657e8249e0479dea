/**
 * `edgewise token create|list|delete`: join tokens for edge nodes, managed through
 * the hub's `/join/v1/tokens` endpoints (admins only). The hub makes the secret and
 * knows its CA hash; the CLI only asks and prints.
 */
import type { Command } from 'commander';
import { humanDuration, parseDuration } from '../../api/duration.js';
import {
  type CreateTokenRequest,
  type CreateTokenResponse,
  JOIN_PATHS,
  type JoinTokenInfo,
  type JoinTokenList,
  parseJoinToken,
  TOKEN_ID_PATTERN,
} from '../../api/join.js';
import type { CliContext } from '../context.js';
import { UserError } from '../errors.js';
import { alignColumns } from '../printers.js';

interface CreateOptions {
  ttl: string;
  oneTime?: boolean;
  description?: string;
}

export function registerToken(program: Command, context: () => CliContext): void {
  const token = program.command('token').description('Manage join tokens that let edge nodes join this hub');

  token
    .command('create')
    .description('Create a join token and print it (for `edgewise agent --token`)')
    .option('--ttl <duration>', 'how long the token is valid (30m, 1h, 24h); 0 never expires', '24h')
    .option('--one-time', 'the token lets exactly one node join')
    .option('--description <text>', 'what the token is for, shown by `token list`')
    .action(async (opts: CreateOptions) => {
      const ctx = context();
      const body: CreateTokenRequest = {
        ttlSeconds: parseTtl(opts.ttl),
        oneTime: opts.oneTime === true,
        ...(opts.description && { description: opts.description }),
      };
      const { value } = await ctx.client.json<CreateTokenResponse>('POST', JOIN_PATHS.tokens, {
        body: JSON.stringify(body),
        contentType: 'application/json',
      });
      ctx.out(value.token);
    });

  token
    .command('list')
    .description('List join tokens (ids only; secrets are never shown again)')
    .action(async () => {
      const ctx = context();
      const { value } = await ctx.client.json<JoinTokenList>('GET', JOIN_PATHS.tokens);
      if (value.items.length === 0) {
        ctx.err('No join tokens found.');
        return;
      }
      ctx.out(tokenTable(value.items, new Date()));
    });

  token
    .command('delete')
    .description('Delete join tokens by id (or by the whole token)')
    .argument('<ids...>', 'token ids, as `token list` shows them')
    .action(async (ids: string[]) => {
      const ctx = context();
      for (const arg of ids) {
        const id = tokenId(arg);
        await ctx.client.request('DELETE', `${JOIN_PATHS.tokens}/${id}`, { accept: 'application/json' });
        ctx.out(`bootstrap token "${id}" deleted`);
      }
    });
}

/** `1h`, `90m`, `1h30m` or `0` (never expires) to whole seconds. */
export function parseTtl(text: string): number {
  if (text.trim() === '0') return 0;
  const ms = parseDuration(text.trim());
  if (ms === undefined || ms < 1000) {
    throw new UserError(
      `invalid --ttl "${text}": give a duration of at least 1s such as 30m, 1h or 24h, or 0 for no expiry`,
    );
  }
  return Math.round(ms / 1000);
}

function tokenId(arg: string): string {
  if (TOKEN_ID_PATTERN.test(arg)) return arg;
  try {
    return parseJoinToken(arg).id;
  } catch {
    throw new UserError(`"${arg}" is neither a token id (6 characters a-z, 0-9) nor a join token`);
  }
}

/** kubeadm's `token list` columns, with the one-time state in USAGE. */
export function tokenTable(items: JoinTokenInfo[], now: Date): string {
  const rows = [['TOKEN-ID', 'TTL', 'EXPIRES', 'USAGE', 'DESCRIPTION']];
  const sorted = [...items].sort(
    (a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.id.localeCompare(b.id),
  );
  for (const item of sorted) {
    const left = item.expires ? new Date(item.expires).getTime() - now.getTime() : undefined;
    const ttl = left === undefined ? '<forever>' : left <= 0 ? '<invalid>' : humanDuration(left);
    const usage = !item.oneTime ? 'reusable' : item.usedBy ? `used (${item.usedBy})` : 'one-time';
    rows.push([item.id, ttl, item.expires ?? '<never>', usage, item.description || '<none>']);
  }
  return alignColumns(rows);
}
