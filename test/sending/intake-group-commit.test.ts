// The intake's group commit: calls that arrive while a transaction is being written go in
// together in the next one, each caller answered for its own events; a failure of the shared
// transaction is retried for each caller alone, so one caller's bad events fail only that caller.
import { describe, expect, it } from 'vitest';
import { isPhoneEvent, type DeliveryEvent } from '../../src/domain/delivery.js';
import { DeliveryIntake } from '../../src/sending/delivery-intake.js';
import type { EventResult } from '../../src/sending/sending-store.js';

const event = (key: string, providerMessageId = `pm-${key}`): DeliveryEvent => ({
  provider: 'test',
  eventKey: key,
  providerMessageId,
  kind: 'delivered',
  occurredAt: 1,
  payload: {},
});

/** A store that takes a while per transaction, remembers each transaction's events, and knows messages pm-*. */
function slowStore(options: { failOn?: string } = {}) {
  const transactions: string[][] = [];
  const seen = new Set<string>();
  return {
    transactions,
    async ingest(events: readonly DeliveryEvent[]): Promise<EventResult[]> {
      await new Promise((r) => setTimeout(r, 20));
      if (options.failOn && events.some((e) => e.eventKey === options.failOn)) throw new Error(`cannot store ${options.failOn}`);
      transactions.push(events.map((e) => e.eventKey));
      return events.map((e) => {
        if (seen.has(e.eventKey)) return 'duplicate';
        seen.add(e.eventKey);
        return !isPhoneEvent(e) && e.providerMessageId.startsWith('pm-') ? 'applied' : 'unknown';
      });
    },
  };
}

describe('delivery intake, group commit', () => {
  it('writes calls that arrive during a transaction together in the next one, answering each for its own events', async () => {
    const store = slowStore();
    const intake = new DeliveryIntake({ store });
    const first = intake.ingest([event('a')]);
    // While the first is written (20 ms), three more calls come.
    await new Promise((r) => setTimeout(r, 5));
    const calls = [first, intake.ingest([event('b')]), intake.ingest([event('c'), event('x', 'unknown-message')]), intake.ingest([event('a')])];
    expect(await Promise.all(calls)).toEqual([
      { applied: 1, duplicates: 0, unknown: 0 },
      { applied: 1, duplicates: 0, unknown: 0 },
      { applied: 1, duplicates: 0, unknown: 1 },
      { applied: 0, duplicates: 1, unknown: 0 },
    ]);
    // The first went alone; the three that came while it was written went in one transaction.
    expect(store.transactions).toEqual([['a'], ['b', 'c', 'x', 'a']]);
  });

  it('writes calls made in the same turn of the event loop in one transaction', async () => {
    // As requests read from the network together are: on SQLite no write ever waits, so calls
    // never arrive during one, and this turn is the only chance to go together.
    const store = slowStore();
    const intake = new DeliveryIntake({ store });
    await Promise.all([intake.ingest([event('m')]), intake.ingest([event('n')]), intake.ingest([event('o')])]);
    expect(store.transactions).toEqual([['m', 'n', 'o']]);
  });

  it('never puts more than 4,000 events in one transaction', async () => {
    const store = slowStore();
    const intake = new DeliveryIntake({ store });
    const many = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => event(`${prefix}${i}`));
    await Promise.all([intake.ingest(many('p', 1)), intake.ingest(many('q', 2400)), intake.ingest(many('r', 2400)), intake.ingest(many('s', 9000))]);
    // Calls go together while they fit; the large one alone, split.
    expect(store.transactions.map((t) => t.length)).toEqual([2401, 2400, 4000, 4000, 1000]);
  });

  it('writes a second group while the first is being written when its store queues them (depth 2), never a third', async () => {
    let writing = 0;
    let most = 0;
    const store = {
      async ingest(events: readonly DeliveryEvent[]): Promise<EventResult[]> {
        most = Math.max(most, ++writing);
        await new Promise((r) => setTimeout(r, 20));
        writing--;
        return events.map(() => 'applied' as const);
      },
    };
    const intake = new DeliveryIntake({ store, depth: 2 });
    const first = intake.ingest([event('d1')]);
    await new Promise((r) => setTimeout(r, 5));
    const rest = [intake.ingest([event('d2')]), intake.ingest([event('d3')])];
    await new Promise((r) => setTimeout(r, 5));
    rest.push(intake.ingest([event('d4')]));
    await Promise.all([first, ...rest]);
    expect(most).toBe(2);
  });

  it("fails only the caller whose events cannot be stored; the others' go in on their own", async () => {
    const store = slowStore({ failOn: 'bad' });
    const intake = new DeliveryIntake({ store });
    const first = intake.ingest([event('first')]);
    const good = intake.ingest([event('good')]);
    const bad = intake.ingest([event('bad')]);
    const after = intake.ingest([event('after')]);
    await expect(first).resolves.toEqual({ applied: 1, duplicates: 0, unknown: 0 });
    await expect(good).resolves.toEqual({ applied: 1, duplicates: 0, unknown: 0 });
    await expect(bad).rejects.toThrow('cannot store bad');
    await expect(after).resolves.toEqual({ applied: 1, duplicates: 0, unknown: 0 });
    expect(store.transactions.flat().sort()).toEqual(['after', 'first', 'good']);
  });
});
