// Resend (a new draft for the accounts that received nothing, or every failed one) and the live
// progress of a communication In Progress, on each dialect; then the views over a real send.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/domain/actor.js';
import { sendProgress } from '../../src/domain/progress.js';
import type { Dispatcher } from '../../src/sending/dispatcher.js';
import { describeEachDialect } from '../harness/dialects.js';
import { defaultPlan, seedOutcome } from '../harness/outcomes.js';
import { readyDraft, waitForFinish } from '../harness/sending.js';
import { startTestServer, type TestServer } from '../harness/server.js';

describeEachDialect('resend and progress', (ctx) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(ctx.url());
  });
  afterAll(async () => t?.close());

  const post = async (url: string, payload: object) => {
    const res = await t.inject({ method: 'POST', url, payload });
    return { status: res.statusCode, body: res.json() };
  };
  const recipientsOf = async (id: number) =>
    (
      await t.app.store.db
        .selectFrom('recipients as r')
        .innerJoin('accounts as a', 'a.id', 'r.account_id')
        .select(['a.uuid', 'r.line'])
        .where('r.communication_id', '=', id)
        .orderBy('r.line')
        .execute()
    ).map((r) => ({ uuid: r.uuid, line: Number(r.line) }));

  it('builds a draft for the accounts that received nothing, set-wise, audited; the source is untouched', async () => {
    const seeded = await seedOutcome(t.app, defaultPlan(40, 2000), { name: 'Fibre cut' });
    const before = await t.app.communications.get(seeded.communicationId);
    const res = await post(`/api/communications/${seeded.communicationId}/resend`, { scope: 'received-nothing' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Fibre cut (resend)', status: 'draft', step: 'review', content: before.content, progress: null });
    const expected = [...new Set(seeded.messages.filter((m) => seeded.receivedNothing(m.account)).map((m) => m.uuid))].sort();
    expect(res.body.recipients).toBe(expected.length);
    const recipients = await recipientsOf(res.body.id);
    expect(recipients.map((r) => r.uuid).sort()).toEqual(expected);
    // Lines number the accounts as received-nothing.csv lists them.
    const csv = (await t.inject({ url: `/api/communications/${seeded.communicationId}/failures/received-nothing.csv` })).body;
    expect(recipients.map((r) => r.uuid)).toEqual(csv.replace(/^\uFEFF/, '').trimEnd().split('\r\n').slice(1));
    expect(recipients.map((r) => r.line)).toEqual(recipients.map((_, i) => i + 2));

    const after = await t.app.communications.get(seeded.communicationId);
    expect(after).toEqual(before);
    const audit = await t.app.store.db.selectFrom('audit_log').selectAll().where('action', '=', 'communication.resend_created').where('target_id', '=', String(res.body.id)).executeTakeFirstOrThrow();
    expect(JSON.parse(audit.details!)).toEqual({ sourceId: seeded.communicationId, scope: 'received-nothing', recipients: expected.length });
    expect(audit.actor_user_id).toBe(t.user.id);
  });

  it('all-failures: every account with a send failure or a delivery error, each once', async () => {
    const seeded = await seedOutcome(t.app, defaultPlan(30, 3000));
    const res = await post(`/api/communications/${seeded.communicationId}/resend`, { scope: 'all-failures' });
    expect(res.status).toBe(201);
    const expected = [...new Set(seeded.messages.filter((m) => m.state === 'send_failed' || m.state === 'failed').map((m) => m.uuid))].sort();
    expect((await recipientsOf(res.body.id)).map((r) => r.uuid).sort()).toEqual(expected);
    expect(res.body.recipients).toBe(expected.length);
  });

  it('refuses a draft source or nobody to resend to (409), an unknown one (404), a bad scope (400), a viewer (403)', async () => {
    const draft = await t.app.communications.create({ name: 'Not sent' }, CLI_ACTOR);
    expect((await post(`/api/communications/${draft.id}/resend`, { scope: 'all-failures' })).body.error.code).toBe('invalid_transition');
    expect((await post(`/api/communications/${draft.id}/resend`, { scope: 'all-failures' })).status).toBe(409);
    expect((await post('/api/communications/999999/resend', { scope: 'all-failures' })).status).toBe(404);
    expect((await post(`/api/communications/${draft.id}/resend`, { scope: 'everyone' })).status).toBe(400);
    const clean = await seedOutcome(t.app, defaultPlan(6, 3500).filter((m) => m.state !== 'send_failed' && m.state !== 'failed'), { status: 'completed' });
    const drafts = async () => (await t.app.communications.list({ status: 'draft', page: 1, pageSize: 1 })).total;
    const draftsBefore = await drafts();
    const nobody = await post(`/api/communications/${clean.communicationId}/resend`, { scope: 'all-failures' });
    expect(nobody).toMatchObject({ status: 409, body: { error: { code: 'conflict', message: expect.stringMatching(/nobody to resend to/) } } });
    expect(await drafts()).toBe(draftsBefore);
    const viewer = await t.as('viewer');
    expect((await viewer({ method: 'POST', url: `/api/communications/${draft.id}/resend`, payload: { scope: 'all-failures' } })).statusCode).toBe(403);
  });

  it('shows progress while In Progress: sent / total, rate over the last minute, time left', async () => {
    const seeded = await seedOutcome(t.app, defaultPlan(10, 4000), { status: 'in_progress' });
    const id = seeded.communicationId;
    const db = t.app.store.db;
    await db.updateTable('communications').set({ wait_reason: null }).where('id', '=', id).execute();
    await db.deleteFrom('communication_counts').where('communication_id', '=', id).execute();
    await db.insertInto('communication_counts').values({ communication_id: id, shard: 3, messages_total: 1000, messages_sent: 400 }).execute();
    // The test server's fake clock stands at this time.
    const at = Date.UTC(2030, 0, 1, 9, 0, 0);
    // A sample from before the window is ignored; the oldest inside it starts the rate.
    await db.insertInto('send_progress').values([
      { communication_id: id, at: at - 120_000, sent: 0 },
      { communication_id: id, at: at - 50_000, sent: 100 },
      { communication_id: id, at: at - 10_000, sent: 350 },
    ]).execute();
    const view = (await t.inject({ url: `/api/communications/${id}` })).json();
    expect(view.progress).toEqual({ sent: 400, total: 1000, ratePerSecond: 6, etaSeconds: 100, waitReason: null });

    await db.updateTable('communications').set({ wait_reason: 'sandbox fails every attempt' }).where('id', '=', id).execute();
    await db.deleteFrom('send_progress').where('communication_id', '=', id).execute();
    const stalled = (await t.inject({ url: `/api/communications/${id}` })).json();
    expect(stalled.progress).toEqual({ sent: 400, total: 1000, ratePerSecond: 0, etaSeconds: null, waitReason: 'sandbox fails every attempt' });
    const finished = await seedOutcome(t.app, defaultPlan(2, 4100), { status: 'completed' });
    expect((await t.inject({ url: `/api/communications/${finished.communicationId}` })).json().progress).toBeNull();
  });

  it('counts pending messages only for the time left, and reads no rate from a too-short span', () => {
    const counters = { sent: 50, total: 100, sendFailed: 10, cancelled: 0, waitReason: null };
    expect(sendProgress(counters, { at: 0, sent: 0 }, 10_000)).toMatchObject({ ratePerSecond: 5, etaSeconds: 8 });
    expect(sendProgress(counters, { at: 9_500, sent: 49 }, 10_000)).toMatchObject({ ratePerSecond: 0, etaSeconds: null });
  });

  it('over a real send: every sent message listed once, the send failure marked, resend to it', async () => {
    let dispatcher: Dispatcher | undefined;
    try {
      dispatcher = t.app.createDispatcher();
      const id = await readyDraft(t.app, 25, { from: 5000, csvRows: ['00000000-0000-4000-8000-0000000abcde,NoAddress,,'] });
      dispatcher.start();
      await t.app.sending.send(id, CLI_ACTOR);
      expect(await waitForFinish(t.app, id)).toBe('failed');
      const page = (await t.inject({ url: `/api/communications/${id}/messages?limit=500` })).json();
      expect(page.items).toHaveLength(25);
      expect(new Set(page.items.map((i: { accountId: string }) => i.accountId)).size).toBe(25);
      const failures = (await t.inject({ url: `/api/communications/${id}/failures` })).json();
      expect(failures.items).toEqual([expect.objectContaining({ accountId: '00000000-0000-4000-8000-0000000abcde', errorCode: 'no_reachable_channel', receivedNothing: true })]);
      const resend = await post(`/api/communications/${id}/resend`, { scope: 'received-nothing' });
      expect(resend.body.recipients).toBe(1);
    } finally {
      await dispatcher?.stop();
    }
  });
});
