// The set of UUIDs an import has seen, with the line each was first seen on. A million UUID
// strings in a Map cost ~100 MB; packed as 128-bit keys in an open-addressing table they cost
// 20 bytes each, so duplicate detection stays inside the import's memory budget.

const EMPTY = 0;

export class UuidLineSet {
  private keys: Uint32Array;
  private lines: Uint32Array;
  private capacity: number;
  private count = 0;

  constructor(initialCapacity = 1 << 16) {
    this.capacity = initialCapacity;
    this.keys = new Uint32Array(initialCapacity * 4);
    this.lines = new Uint32Array(initialCapacity);
  }

  get size(): number {
    return this.count;
  }

  /**
   * Records `uuid` (canonical lower-case form) as seen on `line`. Returns 0 if it is new, else
   * the line it was first seen on.
   */
  add(uuid: string, line: number): number {
    if ((this.count + 1) * 2 > this.capacity) this.grow();
    const a = parseInt(uuid.slice(0, 8), 16) >>> 0;
    const b = parseInt(uuid.slice(9, 13) + uuid.slice(14, 18), 16) >>> 0;
    const c = parseInt(uuid.slice(19, 23) + uuid.slice(24, 28), 16) >>> 0;
    const d = parseInt(uuid.slice(28, 36), 16) >>> 0;
    const found = this.find(a, b, c, d);
    if (this.lines[found] !== EMPTY) return this.lines[found]!;
    this.put(found, a, b, c, d, line);
    this.count++;
    return 0;
  }

  private find(a: number, b: number, c: number, d: number): number {
    const mask = this.capacity - 1;
    // UUIDs are mostly random already; mixing all four words guards against sequential ones.
    let slot = (Math.imul(a ^ Math.imul(b, 0x9e3779b1) ^ Math.imul(c, 0x85ebca6b) ^ d, 0xc2b2ae35) >>> 0) & mask;
    const keys = this.keys;
    while (this.lines[slot] !== EMPTY) {
      const k = slot * 4;
      if (keys[k] === a && keys[k + 1] === b && keys[k + 2] === c && keys[k + 3] === d) return slot;
      slot = (slot + 1) & mask;
    }
    return slot;
  }

  private put(slot: number, a: number, b: number, c: number, d: number, line: number): void {
    const k = slot * 4;
    this.keys[k] = a;
    this.keys[k + 1] = b;
    this.keys[k + 2] = c;
    this.keys[k + 3] = d;
    this.lines[slot] = line;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldLines = this.lines;
    this.capacity *= 2;
    this.keys = new Uint32Array(this.capacity * 4);
    this.lines = new Uint32Array(this.capacity);
    for (let slot = 0; slot < oldLines.length; slot++) {
      const line = oldLines[slot]!;
      if (line === EMPTY) continue;
      const k = slot * 4;
      const a = oldKeys[k]!;
      const b = oldKeys[k + 1]!;
      const c = oldKeys[k + 2]!;
      const d = oldKeys[k + 3]!;
      this.put(this.find(a, b, c, d), a, b, c, d, line);
    }
  }
}
