/** Splits log bytes into lines, each with the offset of its first byte. */

export interface RawLine {
  offset: number;
  bytes: Buffer;
}

/**
 * Complete lines of `buf` (newline-terminated), cut into pieces of at most
 * `maxLineBytes`, and the unterminated rest. `base` is the offset of `buf[0]`.
 */
export function splitLines(
  buf: Buffer,
  base: number,
  maxLineBytes: number,
): { lines: RawLine[]; rest: Buffer } {
  const lines: RawLine[] = [];
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    if (nl === -1) break;
    pushCut(lines, buf.subarray(start, nl), base + start, maxLineBytes);
    start = nl + 1;
  }
  let rest = buf.subarray(start);
  // A program printing without newlines must not grow the pending buffer forever.
  while (rest.length >= maxLineBytes) {
    lines.push({ offset: base + start, bytes: rest.subarray(0, maxLineBytes) });
    start += maxLineBytes;
    rest = rest.subarray(maxLineBytes);
  }
  return { lines, rest };
}

function pushCut(lines: RawLine[], bytes: Buffer, offset: number, max: number): void {
  if (bytes.length === 0) {
    lines.push({ offset, bytes });
    return;
  }
  for (let at = 0; at < bytes.length; at += max) {
    lines.push({ offset: offset + at, bytes: bytes.subarray(at, at + max) });
  }
}

/** Text of a line: UTF-8, without a trailing carriage return. */
export function lineText(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}
