import { closeSync, openSync, readSync } from 'node:fs';

/** Bytes [start, end) of a file. */
export function readRange(file: string, start: number, end: number): Buffer {
  const length = Math.max(0, end - start);
  const buf = Buffer.alloc(length);
  if (length === 0) return buf;
  const fd = openSync(file, 'r');
  try {
    let done = 0;
    while (done < length) {
      const n = readSync(fd, buf, done, length - done, start + done);
      if (n === 0) break;
      done += n;
    }
    return done === length ? buf : buf.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}
