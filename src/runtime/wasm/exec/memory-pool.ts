/**
 * Recycled linear memories. Allocating a WebAssembly.Memory reserves a large
 * guarded address range, and freeing it waits for a full GC; at thousands of
 * requests a second those GCs are the cold-start tail. A memory that ends a
 * request at its initial size is zeroed and handed to the next instance instead,
 * so no byte of one request is visible to the next.
 */
import { WA, type WasmMemory } from '../wa.js';

const PAGE = 65536;

/** Pages fit in 17 bits (at most 65536), so one number keys an (initial, maximum) pair. */
function shapeKey(shape: { initial: number; maximum: number }): number {
  return shape.initial * 0x20000 + shape.maximum;
}

export class MemoryPool {
  private readonly free = new Map<number, WasmMemory[]>();

  /** @param perShape memories kept per (initial, maximum) pair. */
  constructor(private readonly perShape = 4) {}

  take(shape: { initial: number; maximum: number }): WasmMemory {
    const list = this.free.get(shapeKey(shape));
    return list?.pop() ?? new WA.Memory({ initial: shape.initial, maximum: shape.maximum });
  }

  /** Takes a memory back after its instance finished; grown memories are dropped. */
  give(shape: { initial: number; maximum: number }, memory: WasmMemory): void {
    if (memory.buffer.byteLength !== shape.initial * PAGE) return;
    const key = shapeKey(shape);
    let list = this.free.get(key);
    if (!list) {
      list = [];
      this.free.set(key, list);
    }
    if (list.length >= this.perShape) return;
    new Uint8Array(memory.buffer).fill(0);
    list.push(memory);
  }
}
