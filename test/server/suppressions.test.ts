// The suppression list as an admin manages it through the API: browse, add, lift, import another
// tool's list; the review's count of suppressed addresses by reason; a later send skipping them.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/domain/actor.js';
import type { Dispatcher } from '../../src/sending/dispatcher.js';
import { describeEachDialect } from '../harness/dialects.js';
import { startTestServer, type Inject, type TestServer } from '../harness/server.js';
import { readyDraft, waitForFinish } from '../harness/sending.js';

const BOM = '\uFEFF';

function csv(payload: string, query = '') {
  return { method: 'POST' as const, url: `/api/suppressions/import${query}`, headers: { 'content-type': 'text/csv' }, payload };
}

function multipart(filename: string, content: string, query = '') {
  const boundary = '----crier-suppressions-boundary';
  const payload =
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
    `Content-Type: text/csv\r\n\r\n${content}\r\n--${boundary}--\r\n`;
  return { method: 'POST' as const, url: `/api/suppressions/import${query}`, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload };
}

describeEachDialect('suppressions API', (ctx) => {
  let t: TestServer;
  let admin: Inject;
  let dispatcher: Dispatcher | undefined;
  beforeAll(async () => {
    t = await startTestServer(ctx.url(), { role: 'admin', env: { CRIER_SANDBOX_DELIVERY_DELAY_MS: '3600000' } });
    admin = t.inject;
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await t?.close();
  });

  const total = async (query = '') => (await admin({ url: `/api/suppressions?pageSize=1${query}` })).json().total as number;
  const audits = (action: string) =>
    t.app.store.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id').execute();

  it('refuses senders and viewers every suppression route (403)', async () => {
    for (const role of ['sender', 'viewer'] as const) {
      const as = await t.as(role);
      const calls = [
        await as({ url: '/api/suppressions' }),
        await as({ method: 'POST', url: '/api/suppressions', payload: { channel: 'email', address: 'x@example.com' } }),
        await as({ method: 'DELETE', url: '/api/suppressions/1' }),
        await as(csv('email\nx@example.com\n')),
      ];
      for (const res of calls) {
        expect(res.statusCode, `${role} ${res.raw.req.url}`).toBe(403);
        expect(res.json().error.code).toBe('forbidden');
      }
    }
    expect(await total()).toBe(0);
  });

  it('adds an address by hand, normalised, with manual as the reason and an audit row naming the admin', async () => {
    const res = await admin({ method: 'POST', url: '/api/suppressions', payload: { channel: 'email', address: '  Ann.Smith@Example.COM ' } });
    expect(res.statusCode).toBe(201);
    const row = res.json();
    expect(row).toEqual({ id: expect.any(Number), channel: 'email', address: 'ann.smith@example.com', reason: 'manual', source: 'manual', createdAt: expect.any(String) });
    const phone = await admin({ method: 'POST', url: '/api/suppressions', payload: { channel: 'sms', address: '(514) 200-0001', reason: 'sms_stop' } });
    expect(phone.json()).toMatchObject({ channel: 'sms', address: '+15142000001', reason: 'sms_stop' });

    const [audit] = (await audits('suppression.added')).filter((a) => a.target_id === String(row.id));
    expect(audit).toMatchObject({ actor_user_id: t.user.id, target_type: 'suppression' });
    expect(JSON.parse(audit!.details!)).toMatchObject({ channel: 'email', address: 'ann.smith@example.com', reason: 'manual' });
  });

  it('answers 409 for an address already suppressed, and 400 naming the field for a bad one', async () => {
    const again = await admin({ method: 'POST', url: '/api/suppressions', payload: { channel: 'email', address: 'ANN.SMITH@example.com', reason: 'complaint' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'conflict', details: { existing: { address: 'ann.smith@example.com', reason: 'manual' } } });

    const badEmail = await admin({ method: 'POST', url: '/api/suppressions', payload: { channel: 'email', address: 'not-an-address' } });
    expect(badEmail.statusCode).toBe(400);
    expect(badEmail.json().error).toMatchObject({ code: 'validation_failed', details: [{ field: 'address' }] });
    expect(badEmail.json().error.message).toMatch(/^address: "not-an-address" is not a valid email address/);
    const badPhone = await admin({ method: 'POST', url: '/api/suppressions', payload: { channel: 'sms', address: '12' } });
    expect(badPhone.json().error).toMatchObject({ code: 'validation_failed', details: [{ field: 'address' }] });
    const stopEmail = await admin({ method: 'POST', url: '/api/suppressions', payload: { channel: 'email', address: 'b@example.com', reason: 'sms_stop' } });
    expect(stopEmail.json().error).toMatchObject({ code: 'validation_failed', details: [{ field: 'reason' }] });
    const badReason = await admin({ method: 'POST', url: '/api/suppressions', payload: { channel: 'email', address: 'b@example.com', reason: 'bored' } });
    expect(badReason.statusCode).toBe(400);
    expect(badReason.json().error.details[0].field).toBe('reason');
    expect(await total()).toBe(2);
  });

  it('lifts one by id with an audit row; 404 for one that is gone', async () => {
    const added = (await admin({ method: 'POST', url: '/api/suppressions', payload: { channel: 'email', address: 'lift.me@example.com' } })).json();
    const res = await admin({ method: 'DELETE', url: `/api/suppressions/${added.id}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: added.id, address: 'lift.me@example.com' });
    const [audit] = (await audits('suppression.lifted')).filter((a) => a.target_id === String(added.id));
    expect(audit).toMatchObject({ actor_user_id: t.user.id, summary: expect.stringMatching(/lift\.me@example\.com/) });
    const gone = await admin({ method: 'DELETE', url: `/api/suppressions/${added.id}` });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.code).toBe('not_found');
    expect((await admin({ url: '/api/suppressions?q=lift.me' })).json().total).toBe(0);
  });

  it('refuses an import with a bad line, naming line and field, and stores nothing; acceptValid stores the valid rows', async () => {
    const before = await total();
    const auditsBefore = (await audits('suppressions.imported')).length;
    const file =
      `${BOM}Email Address;Reason;Created\r\n` +
      'list1@example.com;unsubscribed;2024-01-02 03:04:05\r\n' +
      'List2@Example.com;hard bounce;1704164645\r\n' +
      'not an email;complaint;\r\n' +
      'list3@example.com;bored;\r\n' +
      'list4@example.com;spam report;\r\n' +
      'LIST1@example.com;complaint;\r\n' +
      'ann.smith@example.com;;\r\n' +
      'list5@example.com;unsubscribed;yesterday-ish\r\n';
    const refused = await admin(csv(file));
    expect(refused.statusCode).toBe(200);
    expect(refused.json()).toMatchObject({
      rowsRead: 8,
      added: 0,
      applied: false,
      delimiter: ';',
      columns: { address: 'Email Address', reason: 'Reason', created: 'Created', ignored: [] },
      rejected: [
        { line: 4, field: 'Email Address', value: 'not an email', reason: 'not a valid email address' },
        { line: 5, field: 'Reason', value: 'bored', reason: expect.stringMatching(/^unknown reason/) },
        { line: 9, field: 'Created', value: 'yesterday-ish', reason: expect.stringMatching(/^not a date/) },
      ],
    });
    expect(await total()).toBe(before);
    expect(await audits('suppressions.imported')).toHaveLength(auditsBefore);

    const accepted = await admin(multipart('mailchimp-unsubscribed.csv', file, '?acceptValid=true'));
    expect(accepted.json()).toMatchObject({ rowsRead: 8, added: 3, alreadySuppressed: 1, duplicates: 1, applied: true, source: 'import:mailchimp-unsubscribed.csv' });
    expect(accepted.json().rejected).toHaveLength(3);
    expect(await total()).toBe(before + 3);
    const rows = (await admin({ url: '/api/suppressions?source=import:mailchimp' })).json().items;
    expect(rows.map((r: { address: string; reason: string }) => [r.address, r.reason])).toEqual([
      ['list4@example.com', 'complaint'], // no date: the import's time, the newest
      ['list2@example.com', 'hard_bounce'],
      ['list1@example.com', 'unsubscribed'],
    ]);
    expect(rows[2].createdAt).toBe('2024-01-02T03:04:05.000Z');
    expect(rows[1].createdAt).toBe('2024-01-02T03:04:05.000Z');
    // The address suppressed before keeps its first reason.
    expect((await admin({ url: '/api/suppressions?q=ann.smith' })).json().items[0]).toMatchObject({ reason: 'manual', source: 'manual' });
    const imported = await audits('suppressions.imported');
    expect(imported).toHaveLength(auditsBefore + 1);
    expect(imported.at(-1)).toMatchObject({ actor_user_id: t.user.id });
    expect(JSON.parse(imported.at(-1)!.details!)).toMatchObject({ rowsRead: 8, added: 3, alreadySuppressed: 1, duplicates: 1, rejected: 3 });
    // One audit row for the import, none per address.
    expect((await audits('suppression.added')).filter((a) => a.summary.includes('list1@'))).toEqual([]);
  });

  it('imports phone numbers in E.164 with the default region, and an address column of either kind', async () => {
    const res = await admin(csv('Phone Number,Date\n514-200-0101,2024-03-01\n+33 1 42 68 53 00,\n(514) 200-0101,\n', '?fileName=twilio-optouts.csv'));
    expect(res.json()).toMatchObject({ rowsRead: 3, added: 2, duplicates: 1, rejected: [], source: 'import:twilio-optouts.csv' });
    const phones = (await admin({ url: '/api/suppressions?channel=sms&source=import:twilio' })).json().items;
    expect(phones.map((p: { address: string; reason: string }) => [p.address, p.reason]).sort()).toEqual([
      ['+15142000101', 'sms_stop'],
      ['+33142685300', 'sms_stop'],
    ]);

    const either = await admin(csv('address,reason,tags\nmixed@example.com,complaint,x\n514 200 0102,,y\n+1 514 200 0101,,z\n', '?reason=manual'));
    expect(either.json()).toMatchObject({ rowsRead: 3, added: 2, alreadySuppressed: 1, source: 'import:upload', columns: { address: 'address', ignored: ['tags'] } });
    expect((await admin({ url: '/api/suppressions?q=5142000102' })).json().items[0]).toMatchObject({ channel: 'sms', address: '+15142000102', reason: 'manual' });

    const missing = await admin(csv('name,list\nAnn,x\n'));
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toMatchObject({ code: 'import_missing_column' });
  });

  it('lists newest first, searching the address in any case, filtering by channel, reason and source, paging', async () => {
    for (let i = 1; i <= 12; i++) {
      await admin({ method: 'POST', url: '/api/suppressions', payload: { channel: 'email', address: `page${String(i).padStart(2, '0')}@paging.example`, reason: i % 3 === 0 ? 'complaint' : 'unsubscribed' } });
    }
    const first = await admin({ url: '/api/suppressions?q=PAGING.Example&pageSize=5' });
    expect(first.json()).toMatchObject({ page: 1, pageSize: 5, total: 12 });
    expect(first.json().items.map((r: { address: string }) => r.address)).toEqual(['page12@paging.example', 'page11@paging.example', 'page10@paging.example', 'page09@paging.example', 'page08@paging.example']);
    const third = await admin({ url: '/api/suppressions?q=paging&pageSize=5&page=3' });
    expect(third.json().items.map((r: { address: string }) => r.address)).toEqual(['page02@paging.example', 'page01@paging.example']);
    expect((await admin({ url: '/api/suppressions?q=paging&reason=complaint' })).json().total).toBe(4);
    expect((await admin({ url: '/api/suppressions?q=paging&channel=sms' })).json().total).toBe(0);
    expect((await admin({ url: '/api/suppressions?q=paging&source=manual' })).json().total).toBe(12);
    expect((await admin({ url: '/api/suppressions?q=%25' })).json().total).toBe(0); // % is matched as itself
    expect((await admin({ url: '/api/suppressions?channel=fax' })).statusCode).toBe(400);
  });

  it("counts a review's suppressed recipients by reason, and a later send skips addresses an import suppressed", async () => {
    const from = 9_000_000;
    const id = await readyDraft(t.app, 20, { from });
    const address = (i: number) => `u${from + i}@example.com`;
    const list = ['email,reason', ...[0, 1, 2].map((i) => `${address(i)},unsubscribed`), `${address(3)},hard_bounce`, `${address(4)},550 5.1.1 No such user`, `${address(5)},complaint`];
    expect((await admin(csv(`${list.join('\n')}\n`))).json()).toMatchObject({ added: 6, rejected: [] });
    // A phone number suppressed too: the communication has no SMS content, so it is not counted.
    await admin({ method: 'POST', url: '/api/suppressions', payload: { channel: 'sms', address: `+1514${2_000_000 + ((from + 7) % 7_000_000)}` } });

    const review = (await admin({ url: `/api/communications/${id}/review` })).json();
    expect(review.suppressed).toEqual({
      email: { total: 6, byReason: { unsubscribed: 3, hard_bounce: 2, complaint: 1 }, message: '6 email addresses suppressed: 3 unsubscribed, 2 hard bounces, 1 complaint' },
      sms: null,
    });
    expect(review.messages.email.total).toBe(14);
    expect(review.receivingNothing.total).toBe(6);
    expect(review.receivingNothing.groups).toEqual([{ reasons: { email: 'suppressed', sms: 'no_content' }, accounts: 6 }]);

    dispatcher = t.app.createDispatcher();
    dispatcher.start();
    await t.app.sending.send(id, CLI_ACTOR);
    expect(await waitForFinish(t.app, id)).toBe('failed');
    const messages = await t.app.store.db.selectFrom('messages').select(['address', 'send_state', 'error_message']).where('communication_id', '=', id).execute();
    const sent = messages.filter((m) => m.send_state === 'sent');
    expect(sent).toHaveLength(review.messages.email.total);
    const failed = messages.filter((m) => m.send_state === 'send_failed');
    expect(failed).toHaveLength(review.suppressed.email.total);
    expect(failed.every((m) => m.error_message === 'email address suppressed')).toBe(true);
    expect(sent.map((m) => m.address)).not.toContain(address(0));
    expect(sent.map((m) => m.address)).toContain(address(6));
  });
});
