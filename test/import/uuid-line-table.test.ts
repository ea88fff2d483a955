import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UuidLineTable } from '../../src/import/uuid-line-table.js';

describe('UuidLineTable', () => {
  it('remembers the first line of every UUID through many growths, and finds repeats', () => {
    const table = new UuidLineTable(16);
    const uuids = Array.from({ length: 50_000 }, () => randomUUID());
    uuids.forEach((u, i) => expect(table.add(u, i + 2)).toBe(0));
    expect(table.size).toBe(50_000);
    // Every repeat names the line the UUID was first seen on; the count does not move.
    for (const i of [0, 1, 777, 49_999]) expect(table.add(uuids[i]!, 90_000 + i)).toBe(i + 2);
    expect(table.add(randomUUID(), 3)).toBe(0);
    expect(table.size).toBe(50_001);
  });

  it('keeps sequential UUIDs apart and lists every entry once with its line', () => {
    const table = new UuidLineTable();
    const uuids = Array.from({ length: 5_000 }, (_, i) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`);
    uuids.forEach((u, i) => table.add(u, i + 2));
    const listed = new Map<string, number>();
    for (const { uuids: batch, lines } of table.batches(777)) {
      expect(batch.length).toBeLessThanOrEqual(777);
      batch.forEach((u, i) => listed.set(u, lines[i]!));
    }
    expect(listed.size).toBe(5_000);
    uuids.forEach((u, i) => expect(listed.get(u)).toBe(i + 2));
  });

  it('matches each entry once and lists only the unmatched ones when asked', () => {
    const table = new UuidLineTable();
    const uuids = Array.from({ length: 1_000 }, () => randomUUID());
    uuids.forEach((u, i) => table.add(u, i + 2));
    expect(table.match(uuids[10]!)).toBe(12);
    expect(table.match(uuids[10]!)).toBe(0);
    expect(table.match(randomUUID())).toBe(0);
    const unmatched = [...table.batches(100, true)].flatMap((b) => b.uuids);
    expect(unmatched).toHaveLength(999);
    expect(unmatched).not.toContain(uuids[10]);
  });

  it('keeps every entry when room is reserved part way through', () => {
    const table = new UuidLineTable(16);
    const uuids = Array.from({ length: 3_000 }, () => randomUUID());
    uuids.slice(0, 1_000).forEach((u, i) => table.add(u, i + 2));
    table.reserve(3_000);
    uuids.slice(1_000).forEach((u, i) => expect(table.add(u, i + 1_002)).toBe(0));
    uuids.forEach((u, i) => expect(table.add(u, 99_999)).toBe(i + 2));
    expect(table.size).toBe(3_000);
  });
});
