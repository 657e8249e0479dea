/**
 * Subject alternative names of the hub's server certificate: which IPs and DNS
 * names clients may reach it by. Kept canonical so that "the SANs changed" is a
 * plain set comparison between what is asked for and what the certificate has.
 */
import { isIP } from 'node:net';
import os from 'node:os';
import { EdgewiseError } from '../../api/errors.js';

export interface San {
  type: 'ip' | 'dns';
  value: string;
}

const DNS_NAME = /^(\*\.)?[a-z0-9]([-a-z0-9_]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9_]*[a-z0-9])?)*$/;

/** 127.0.0.1, ::1, localhost and this machine's hostname, then `extra` (IPs or DNS names). */
export function requestedSans(extra: readonly string[] = [], hostname = os.hostname()): San[] {
  const seen = new Map<string, San>();
  const add = (san: San) => seen.set(sanKey(san), san);
  for (const name of ['127.0.0.1', '::1', 'localhost']) add(parseSan(name));
  // A hostname no certificate can carry is left out rather than stopping the hub.
  const host = hostname ? tryParseSan(hostname) : undefined;
  if (host) add(host);
  for (const name of extra) add(parseSan(name));
  return [...seen.values()].sort((a, b) => sanKey(a).localeCompare(sanKey(b)));
}

export function parseSan(text: string): San {
  const trimmed = text.trim().replace(/^\[(.*)\]$/, '$1');
  if (isIP(trimmed)) return { type: 'ip', value: canonicalIp(trimmed) };
  const lower = trimmed.toLowerCase().replace(/\.$/, '');
  if (lower.length > 253 || !DNS_NAME.test(lower)) {
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      `"${text}" is neither an IP address nor a DNS name usable in a certificate`,
    );
  }
  return { type: 'dns', value: lower };
}

function tryParseSan(text: string): San | undefined {
  try {
    return parseSan(text);
  } catch {
    return undefined;
  }
}

/** One spelling per address: `0:0:0:0:0:0:0:1` and `::1` are the same SAN. */
function canonicalIp(ip: string): string {
  if (isIP(ip) === 4) return ip;
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

export function sanKey(san: San): string {
  return `${san.type}:${san.value}`;
}

/**
 * Reads SANs from node's `X509Certificate.subjectAltName`
 * (`DNS:localhost, IP Address:0:0:0:0:0:0:0:1`). Entries of other kinds are kept as
 * opaque keys so that a certificate carrying them never counts as matching.
 */
export function sanKeysOfCertificate(subjectAltName: string | undefined): Set<string> {
  const keys = new Set<string>();
  for (const entry of (subjectAltName ?? '').split(', ')) {
    if (entry.startsWith('DNS:')) keys.add(sanKey({ type: 'dns', value: entry.slice(4).toLowerCase() }));
    else if (entry.startsWith('IP Address:') && isIP(entry.slice(11))) {
      keys.add(sanKey({ type: 'ip', value: canonicalIp(entry.slice(11)) }));
    } else if (entry) keys.add(`other:${entry}`);
  }
  return keys;
}

export function sameSans(wanted: readonly San[], actual: Set<string>): boolean {
  return wanted.length === actual.size && wanted.every((s) => actual.has(sanKey(s)));
}
