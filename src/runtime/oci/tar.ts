/**
 * Finds one file in a tar archive (ustar, with pax and GNU long names), honouring
 * OCI whiteouts: a `.wh.<name>` entry means the file was deleted in that layer.
 */

export type TarLookup = { kind: 'file'; data: Uint8Array } | { kind: 'deleted' } | { kind: 'absent' };

function field(block: Uint8Array, start: number, len: number): string {
  const raw = block.subarray(start, start + len);
  const end = raw.indexOf(0);
  return Buffer.from(end < 0 ? raw : raw.subarray(0, end)).toString('utf8');
}

function octal(block: Uint8Array, start: number, len: number): number {
  const text = field(block, start, len).trim();
  return text ? Number.parseInt(text, 8) : 0;
}

/** `./app.wasm`, `/app.wasm` and `app.wasm` all name the same file. */
export function normalizeTarPath(p: string): string {
  return p.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}

function paxPath(data: Uint8Array): string | undefined {
  const text = Buffer.from(data).toString('utf8');
  for (const record of text.split('\n')) {
    const m = /^\d+ path=(.*)$/.exec(record);
    if (m) return m[1];
  }
  return undefined;
}

export function findInTar(tar: Uint8Array, wanted: string): TarLookup {
  const target = normalizeTarPath(wanted);
  const slash = target.lastIndexOf('/');
  const whiteout = `${target.slice(0, slash + 1)}.wh.${target.slice(slash + 1)}`;
  let pos = 0;
  let longName: string | undefined;
  let result: TarLookup = { kind: 'absent' };
  while (pos + 512 <= tar.length) {
    const header = tar.subarray(pos, pos + 512);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] ?? 0);
    const dataStart = pos + 512;
    const data = tar.subarray(dataStart, dataStart + size);
    pos = dataStart + Math.ceil(size / 512) * 512;
    if (type === 'x' || type === 'L') {
      longName = type === 'x' ? paxPath(data) : field(data, 0, data.length);
      continue;
    }
    const prefix = field(header, 345, 155);
    const name = normalizeTarPath(
      longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100)),
    );
    longName = undefined;
    if (name === whiteout) result = { kind: 'deleted' };
    else if (name === target && (type === '0' || type === '\0' || type === '7')) {
      result = { kind: 'file', data: Uint8Array.from(data) };
    }
  }
  return result;
}
