/**
 * The join itself: a token and a node name in, a node credential out. The order
 * matters: the token is checked before anything about node names is said (so only
 * token holders learn whether a name is taken), and the name is checked before a
 * one-time token is used up (so a name clash does not burn the token).
 */
import { EdgewiseError } from '../../api/errors.js';
import { type JoinRequest, type JoinResponse, parseJoinToken } from '../../api/join.js';
import { checkDns1123Subdomain } from '../../api/names.js';
import { credentialSecretName, type NodeCredentials } from './credentials.js';
import type { JoinTokens } from './tokens.js';

export interface JoinDependencies {
  tokens: JoinTokens;
  credentials: NodeCredentials;
  caPem: string;
}

export interface JoinOutcome {
  response: JoinResponse;
  tokenId: string;
  /** True when this machine already held the name (its old credential is now revoked). */
  rejoined: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function joinNode(deps: JoinDependencies, body: unknown): Promise<JoinOutcome> {
  const request = readJoinRequest(body);
  const token = parseJoinToken(request.token);
  await deps.tokens.verify(token);
  const previous = await deps.credentials.checkOwner(request.nodeName, request.machineId);
  await deps.tokens.consume(token, request.nodeName);
  const credential = await deps.credentials.issue(request.nodeName, request.machineId);
  return {
    response: { credential, caPem: deps.caPem, nodeName: request.nodeName },
    tokenId: token.id,
    rejoined: previous !== undefined,
  };
}

export function readJoinRequest(body: unknown): JoinRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      'the join request must be a JSON object {token, nodeName, machineId}',
    );
  }
  const { token, nodeName, machineId } = body as Record<string, unknown>;
  for (const [field, value] of Object.entries({ token, nodeName, machineId })) {
    if (typeof value !== 'string' || value === '') {
      throw new EdgewiseError('EW_BAD_REQUEST', `the join request needs "${field}" as a non-empty string`);
    }
  }
  const name = nodeName as string;
  const problems = checkDns1123Subdomain(name);
  if (credentialSecretName(name).length > 253) problems.push('must be no more than 237 characters');
  if (problems.length > 0)
    throw new EdgewiseError('EW_BAD_REQUEST', `invalid node name "${name}": ${problems.join('; ')}`);
  if (!UUID.test(machineId as string)) {
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      'the machine id must be a lower-case UUID (the agent keeps one in its data dir)',
    );
  }
  return { token: token as string, nodeName: name, machineId: machineId as string };
}
