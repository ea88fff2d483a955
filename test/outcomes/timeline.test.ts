// Delivery outcomes over time (the chart of the communication view): the dispatcher's progress
// samples carry the delivered and delivery-error counts of their moment, and the timeline route
// answers them oldest first, followed by the counts now.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordProgressSample } from '../../src/store/engine/dispatch.sql.js';
import { describeEachDialect } from '../harness/dialects.js';
import { defaultPlan, seedOutcome } from '../harness/outcomes.js';
import { startTestServer, type TestServer } from '../harness/server.js';

describeEachDialect('delivery outcomes over time', (ctx) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(ctx.url());
  });
  afterAll(async () => t?.close());

  const at = Date.UTC(2030, 0, 1, 9, 0, 0);

  it('a sample records sent, delivered and delivery errors; the route answers the samples then now', async () => {
    const seeded = await seedOutcome(t.app, defaultPlan(12, 6000), { status: 'in_progress' });
    const id = seeded.communicationId;
    const db = t.app.store.db;
    const counted = (state: string) => seeded.messages.filter((m) => m.state === state).length;
    const sent = seeded.messages.filter((m) => ['delivered', 'failed', 'in_progress', 'no_report'].includes(m.state)).length;

    await db.insertInto('send_progress').values({ communication_id: id, at: at - 30_000, sent: 1, delivered: 0, delivery_errors: 0 }).execute();
    await recordProgressSample(t.app.engine, id, at - 5_000);
    const sample = await db.selectFrom('send_progress').selectAll().where('communication_id', '=', id).where('at', '=', at - 5_000).executeTakeFirstOrThrow();
    expect({ sent: Number(sample.sent), delivered: Number(sample.delivered), errors: Number(sample.delivery_errors) }).toEqual({
      sent,
      delivered: counted('delivered'),
      errors: counted('failed'),
    });

    // A report arrives after the last sample: the final point shows it, the samples do not change.
    await db.insertInto('communication_counts').values({ communication_id: id, shard: 5, messages_delivered: 1 }).execute();
    const res = await t.inject({ url: `/api/communications/${id}/timeline` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      points: [
        { at: new Date(at - 30_000).toISOString(), sent: 1, delivered: 0, deliveryErrors: 0 },
        { at: new Date(at - 5_000).toISOString(), sent, delivered: counted('delivered'), deliveryErrors: counted('failed') },
        { at: new Date(at).toISOString(), sent, delivered: counted('delivered') + 1, deliveryErrors: counted('failed') },
      ],
    });
  });

  it('a communication without samples answers its counts now; viewers may read it; an unknown one is 404', async () => {
    const seeded = await seedOutcome(t.app, defaultPlan(4, 6100), { status: 'completed' });
    const viewer = await t.as('viewer');
    const res = await viewer({ url: `/api/communications/${seeded.communicationId}/timeline` });
    expect(res.statusCode).toBe(200);
    expect(res.json().points).toHaveLength(1);
    expect(res.json().points[0].at).toBe(new Date(at).toISOString());
    expect((await t.inject({ url: '/api/communications/999999/timeline' })).statusCode).toBe(404);
  });
});
