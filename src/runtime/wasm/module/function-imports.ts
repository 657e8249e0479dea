/**
 * The signatures of a module's function imports, read from its type and import
 * sections. `WebAssembly.Module.imports()` names imports but not their types, and a
 * JS function satisfies any imported signature, so a host function imported with the
 * wrong parameters would only fail when called: reading the types lets the runtime
 * refuse such a module at start instead.
 */
import { readU32, sections } from './binary.js';

const TYPE_SECTION = 1;
const IMPORT_SECTION = 2;
const VALTYPES: Record<number, string> = {
  127: 'i32',
  126: 'i64',
  125: 'f32',
  124: 'f64',
  123: 'v128',
  112: 'funcref',
  111: 'externref',
};

export interface FunctionImport {
  module: string;
  name: string;
  params: string[];
  results: string[];
}

class Reader {
  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
  ) {}

  byte(): number {
    const b = this.bytes[this.pos++];
    if (b === undefined) throw new RangeError('section ends early');
    return b;
  }

  u32(): number {
    const { value, next } = readU32(this.bytes, this.pos);
    this.pos = next;
    return value;
  }

  name(): string {
    const len = this.u32();
    const text = Buffer.from(this.bytes.subarray(this.pos, this.pos + len)).toString('utf8');
    this.pos += len;
    return text;
  }

  limits(): void {
    const flags = this.byte();
    this.u32();
    if (flags & 1) this.u32();
  }
}

function valtypes(r: Reader): string[] {
  const n = r.u32();
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = r.byte();
    const name = VALTYPES[t];
    if (!name) throw new RangeError(`value type 0x${t.toString(16)}`);
    out.push(name);
  }
  return out;
}

/**
 * Function imports with their signatures; undefined when the sections use encodings
 * this reader does not know (GC types, say) — callers then skip the check.
 */
export function functionImports(bytes: Uint8Array, source: string): FunctionImport[] | undefined {
  try {
    const all = sections(bytes, source);
    const types: { params: string[]; results: string[] }[] = [];
    const typeSection = all.find((s) => s.id === TYPE_SECTION);
    if (typeSection) {
      const r = new Reader(bytes, typeSection.start);
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        if (r.byte() !== 0x60) return undefined;
        types.push({ params: valtypes(r), results: valtypes(r) });
      }
    }
    const out: FunctionImport[] = [];
    const importSection = all.find((s) => s.id === IMPORT_SECTION);
    if (!importSection) return out;
    const r = new Reader(bytes, importSection.start);
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      const module = r.name();
      const name = r.name();
      const kind = r.byte();
      if (kind === 0x00) {
        const type = types[r.u32()];
        if (!type) return undefined;
        out.push({ module, name, params: type.params, results: type.results });
      } else if (kind === 0x01) {
        r.byte();
        r.limits();
      } else if (kind === 0x02) {
        r.limits();
      } else if (kind === 0x03) {
        r.byte();
        r.byte();
      } else if (kind === 0x04) {
        r.byte();
        r.u32();
      } else {
        return undefined;
      }
    }
    return out;
  } catch (err) {
    if (err instanceof RangeError) return undefined;
    throw err;
  }
}
