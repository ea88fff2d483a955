// The UUIDs of an imported file with the line each was first seen on, packed as 128-bit keys in
// an open-addressing table (20 bytes a slot rather than ~100 for a string in a Map), so duplicate
// detection stays inside an import's memory budget at a million rows. For recipients files it
// also matches entries against the accounts directory: a lookup that marks an entry as matched,
// and a walk over the entries, so the ones no account matched can be listed at the end.

const EMPTY = 0;
/** Lines are below 2^31 (row limits are millions): the top bit of a slot's line marks a match. */
const MATCHED = 0x80000000;
/** The four 32-bit words of the UUID being looked up: a scratch array saves an allocation a row. */
const WORDS = new Uint32Array(4);
/**
 * The table is split by hash into shards that grow one at a time: growing copies one shard, so
 * the old and new arrays together exceed the table by a sixteenth, not by half its size.
 */
const SHARD_BITS = 4;
const SHARDS = 1 << SHARD_BITS;

export class UuidLineTable {
  private readonly shards: Shard[];
  private count = 0;

  constructor(initialCapacity = 1 << 16) {
    const perShard = Math.max(16, Math.ceil(initialCapacity / SHARDS));
    this.shards = Array.from({ length: SHARDS }, () => new Shard(perShard));
  }

  get size(): number {
    return this.count;
  }

  /**
   * Makes room for `entries` in all, at once: growing step by step leaves each step's old arrays
   * as garbage until V8 collects it (up to twice the table's final size in a large import).
   */
  reserve(entries: number): void {
    for (const shard of this.shards) shard.reserve(Math.ceil(entries / SHARDS));
  }

  /** Records `uuid` (canonical lower case) as seen on `line`: 0 if new, else the line it was first seen on. */
  add(uuid: string, line: number): number {
    const hash = pack(uuid);
    const shard = this.shards[hash >>> (32 - SHARD_BITS)]!;
    const seen = shard.add(hash, line);
    if (seen === 0) this.count++;
    return seen;
  }

  /**
   * The line of `uuid` (canonical lower case) if the file has it and it was not matched before,
   * marking it matched; else 0.
   */
  match(uuid: string): number {
    const hash = pack(uuid);
    return this.shards[hash >>> (32 - SHARD_BITS)]!.match(hash);
  }

  /** Every entry in no particular order, in arrays of up to `size` UUIDs with their lines. */
  *batches(size: number, onlyUnmatched = false): Generator<{ uuids: string[]; lines: number[] }> {
    let uuids: string[] = [];
    let lines: number[] = [];
    for (const shard of this.shards) {
      for (const [uuid, line] of shard.entries(onlyUnmatched)) {
        uuids.push(uuid);
        lines.push(line);
        if (uuids.length === size) {
          yield { uuids, lines };
          uuids = [];
          lines = [];
        }
      }
    }
    if (uuids.length > 0) yield { uuids, lines };
  }
}

/** Packs `uuid` (canonical: lower-case hex, hyphens at 8, 13, 18, 23) into WORDS; returns its hash. */
function pack(uuid: string): number {
  WORDS[0] = hexWord(uuid, 0, 8);
  WORDS[1] = (hexWord(uuid, 9, 13) << 16) | hexWord(uuid, 14, 18);
  WORDS[2] = (hexWord(uuid, 19, 23) << 16) | hexWord(uuid, 24, 28);
  WORDS[3] = hexWord(uuid, 28, 36);
  return hashOf(WORDS[0]!, WORDS[1]!, WORDS[2]!, WORDS[3]!);
}

/** The hex digits from `start` to `end` (at most 8) as a number, read without making strings. */
function hexWord(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    value = (value << 4) | (c <= 57 ? c - 48 : c - 87);
  }
  return value >>> 0;
}

/** UUIDs are mostly random already; mixing all four words guards against sequential ones. */
function hashOf(a: number, b: number, c: number, d: number): number {
  return Math.imul(a ^ Math.imul(b, 0x9e3779b1) ^ Math.imul(c, 0x85ebca6b) ^ d, 0xc2b2ae35) >>> 0;
}

/** Slots in use, at most: linear probing stays short below this. */
const MAX_LOAD = 0.7;
const GROWTH = 1.5;
const TWO_32 = 2 ** 32;

/**
 * One open-addressing table with linear probing: 16 bytes of key and 4 of line a slot. Its size
 * need not be a power of two (growing by half keeps less memory idle than doubling): the home
 * slot scales the hash's bits below the shard's into the table.
 */
class Shard {
  private keys: Uint32Array;
  private lines: Uint32Array;
  private capacity: number;
  private count = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.keys = new Uint32Array(capacity * 4);
    this.lines = new Uint32Array(capacity);
  }

  reserve(entries: number): void {
    const capacity = Math.ceil(entries / MAX_LOAD) + 1;
    if (capacity > this.capacity) this.rehash(capacity);
  }

  /** Adds the UUID in WORDS unless present: 0 if new, else its first line. */
  add(hash: number, line: number): number {
    if (this.count + 1 > this.capacity * MAX_LOAD) this.grow();
    const slot = this.find(hash, WORDS[0]!, WORDS[1]!, WORDS[2]!, WORDS[3]!);
    const seen = this.lines[slot]!;
    if (seen !== EMPTY) return seen & ~MATCHED;
    this.put(slot, WORDS[0]!, WORDS[1]!, WORDS[2]!, WORDS[3]!, line);
    this.count++;
    return 0;
  }

  match(hash: number): number {
    const slot = this.find(hash, WORDS[0]!, WORDS[1]!, WORDS[2]!, WORDS[3]!);
    const line = this.lines[slot]!;
    if (line === EMPTY || (line & MATCHED) !== 0) return 0;
    this.lines[slot] = (line | MATCHED) >>> 0;
    return line;
  }

  *entries(onlyUnmatched: boolean): Generator<[string, number]> {
    for (let slot = 0; slot < this.capacity; slot++) {
      const line = this.lines[slot]!;
      if (line === EMPTY || (onlyUnmatched && (line & MATCHED) !== 0)) continue;
      yield [unpack(this.keys, slot * 4), line & ~MATCHED];
    }
  }

  /** The slot holding this key, or the empty one it would take. */
  private find(hash: number, a: number, b: number, c: number, d: number): number {
    const capacity = this.capacity;
    let slot = Math.floor((((hash << SHARD_BITS) >>> 0) / TWO_32) * capacity);
    const keys = this.keys;
    while (this.lines[slot] !== EMPTY) {
      const k = slot * 4;
      if (keys[k] === a && keys[k + 1] === b && keys[k + 2] === c && keys[k + 3] === d) return slot;
      if (++slot === capacity) slot = 0;
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
    this.rehash(Math.ceil(this.capacity * GROWTH));
  }

  private rehash(capacity: number): void {
    const oldKeys = this.keys;
    const oldLines = this.lines;
    this.capacity = capacity;
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
      this.put(this.find(hashOf(a, b, c, d), a, b, c, d), a, b, c, d, line);
    }
  }
}

function unpack(keys: Uint32Array, k: number): string {
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const b = hex(keys[k + 1]!);
  const c = hex(keys[k + 2]!);
  return `${hex(keys[k]!)}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${hex(keys[k + 3]!)}`;
}
