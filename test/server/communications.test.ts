import { afterAll, beforeAll, expect, it } from 'vitest';
import { uuidFor } from '../harness/accounts.js';
import { describeEachDialect } from '../harness/dialects.js';
import { FakeClock } from '../harness/auth.js';
import { startTestServer, type TestServer } from '../harness/server.js';

const outage = {
  name: 'Outage',
  defaultLanguage: 'en',
  email: {
    en: { subject: 'Service interruption in {{ account.attributes.area }}', html: '<p>Hello {{ account.first_name }},</p>', text: 'Hello {{ account.first_name }},' },
    fr: { subject: 'Interruption à {{ account.attributes.area }}', html: '<p>Bonjour {{ account.first_name }},</p>', text: 'Bonjour {{ account.first_name }},' },
  },
  sms: { en: { body: 'Outage in your area, {{ account.first_name }}. Crews are on it.' } },
};

describeEachDialect('communications API', (ctx) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(ctx.url());
  });
  afterAll(async () => t?.close());

  const json = async (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown) => {
    const res = await t.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: res.statusCode, body: res.body ? res.json() : undefined };
  };

  async function importAccounts(csv: string) {
    const res = await t.inject({ method: 'POST', url: '/api/accounts/import', headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode).toBe(200);
  }

  async function setRecipients(id: number, uuids: string[]) {
    // The recipients upload has its own suite; here rows go in directly.
    const db = t.app.store.db;
    const accounts = await db.selectFrom('accounts').select(['id', 'uuid']).where('uuid', 'in', uuids).execute();
    await db.deleteFrom('recipients').where('communication_id', '=', id).execute();
    await db.insertInto('recipients').values(accounts.map((a, i) => ({ communication_id: id, account_id: a.id, line: i + 2 }))).execute();
    await db.updateTable('communications').set({ recipients_count: accounts.length }).where('id', '=', id).execute();
  }

  it('copies a template into a draft; later template edits never reach the draft', async () => {
    const template = await json('POST', '/api/templates', outage);
    expect(template.status).toBe(201);
    expect(template.body.contentErrors).toEqual([]);
    const draft = await json('POST', '/api/communications', { name: 'Fibre cut, Laval', templateId: template.body.id });
    expect(draft.status).toBe(201);
    expect(draft.body).toMatchObject({ status: 'draft', step: 'accounts', version: 1, templateId: template.body.id, actions: ['view', 'edit', 'delete'] });
    expect(draft.body.content.email.fr.subject).toBe(outage.email.fr.subject);

    const edited = await json('PUT', `/api/templates/${template.body.id}`, { ...outage, version: 1, email: { en: { subject: 'Changed', html: '<p>x</p>', text: 'x' } } });
    expect(edited.status).toBe(200);
    expect((await json('DELETE', `/api/templates/${template.body.id}`)).status).toBe(204);
    const again = await json('GET', `/api/communications/${draft.body.id}`);
    expect(again.body.content.email.en.subject).toBe(outage.email.en.subject);
  });

  it('saves the wizard step and content, and refuses a stale version with 409, changing nothing', async () => {
    const draft = (await json('POST', '/api/communications', { name: 'Blank' })).body;
    expect(draft.content).toEqual({ defaultLanguage: 'en', email: null, sms: null });
    const moved = await json('PATCH', `/api/communications/${draft.id}`, { version: 1, step: 'message', name: 'Planned maintenance' });
    expect(moved.body).toMatchObject({ version: 2, step: 'message', name: 'Planned maintenance' });
    const stale = await json('PATCH', `/api/communications/${draft.id}`, { version: 1, name: 'Lost update' });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('stale_version');
    expect((await json('GET', `/api/communications/${draft.id}`)).body).toMatchObject({ version: 2, name: 'Planned maintenance' });
    const noVersion = await json('PATCH', `/api/communications/${draft.id}`, { name: 'x' });
    expect(noVersion.status).toBe(400);
    const badContent = await json('PATCH', `/api/communications/${draft.id}`, { version: 2, content: { defaultLanguage: 'en', email: null, sms: { fr: { body: 'Bonjour' } } } });
    expect(badContent.status).toBe(400);
    expect(badContent.body.error.message).toMatch(/default language "en"/);
  });

  it('deletes drafts only: 409 for any other status, and nothing changes', async () => {
    const draft = (await json('POST', '/api/communications', { name: 'To delete' })).body;
    expect((await json('DELETE', `/api/communications/${draft.id}`)).status).toBe(204);
    expect((await json('GET', `/api/communications/${draft.id}`)).status).toBe(404);

    const sent = (await json('POST', '/api/communications', { name: 'Already sending' })).body;
    await t.app.store.db.updateTable('communications').set({ status: 'in_progress' }).where('id', '=', sent.id).execute();
    const refused = await json('DELETE', `/api/communications/${sent.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('invalid_transition');
    const edit = await json('PATCH', `/api/communications/${sent.id}`, { version: 1, name: 'Renamed' });
    expect(edit.status).toBe(409);
    expect(edit.body.error.code).toBe('invalid_transition');
    expect((await json('GET', `/api/communications/${sent.id}`)).body).toMatchObject({ name: 'Already sending', status: 'in_progress', actions: ['view', 'cancel'] });
  });

  it('lists newest first, searches by name, filters by status and pages', async () => {
    for (const name of ['Alpha notice', 'Beta notice', 'Gamma update']) await json('POST', '/api/communications', { name });
    const all = (await json('GET', '/api/communications?pageSize=2')).body;
    expect(all.items.map((r: { name: string }) => r.name)).toEqual(['Gamma update', 'Beta notice']);
    expect(all.items[0]).toEqual({
      id: expect.any(Number),
      name: 'Gamma update',
      status: 'draft',
      messagesSent: 0,
      messagesTotal: 0,
      sendRate: null,
      ratePerSecond: null,
      deliveryErrors: 0,
      deliveryDate: null,
      sentBy: null,
      actions: ['view', 'edit', 'delete'],
    });
    expect((await json('GET', '/api/communications?q=NOTICE')).body.items.map((r: { name: string }) => r.name)).toEqual(['Beta notice', 'Alpha notice']);
    const inProgress = (await json('GET', '/api/communications?status=in_progress')).body;
    expect(inProgress.items.every((r: { status: string }) => r.status === 'in_progress')).toBe(true);
    expect(inProgress.total).toBeGreaterThan(0);
    expect((await json('GET', '/api/communications?status=sent')).status).toBe(400);
  });

  it('gives the rows In Progress their send rate (messages a second over the last minute), and no other row one', async () => {
    const sending = (await json('POST', '/api/communications', { name: 'Sending now' })).body;
    const db = t.app.store.db;
    const at = new FakeClock().now();
    await db.updateTable('communications').set({ status: 'in_progress', send_started_at: at - 30_000 }).where('id', '=', sending.id).execute();
    await db.insertInto('communication_counts').values({ communication_id: sending.id, shard: 0, messages_total: 100, messages_sent: 40 }).execute();
    // The sender's sample of 30 s ago said 10 sent: 30 more since, 1 a second.
    await db.insertInto('send_progress').values({ communication_id: sending.id, at: at - 30_000, sent: 10 }).execute();
    // Read by a server whose clock is `at`.
    const reader = await startTestServer(ctx.url(), { clock: new FakeClock(at) });
    const list = await reader.inject({ url: '/api/communications?pageSize=200' });
    const view = await reader.inject({ url: `/api/communications/${sending.id}` });
    await reader.close();
    const rows = list.json().items as { id: number; status: string; ratePerSecond: number | null }[];
    const row = rows.find((r) => r.id === sending.id)!;
    expect(row.ratePerSecond).toBeGreaterThan(0.9);
    expect(row.ratePerSecond).toBeLessThan(1.1);
    expect(rows.filter((r) => r.status !== 'in_progress').every((r) => r.ratePerSecond === null)).toBe(true);
    expect(view.json().ratePerSecond).toBe(row.ratePerSecond);
  });

  it('reviews: messages per channel and language, who gets nothing and why, warnings', async () => {
    await importAccounts(
      'uuid,first_name,email,phone,language,email_consent,sms_consent,area\n' +
        `${uuidFor(1)},Ann,ann@example.com,+15145550101,en,yes,yes,Laval\n` +
        `${uuidFor(2)},Léa,lea@example.com,,fr-CA,yes,yes,Laval\n` +
        `${uuidFor(3)},Jorge,jorge@example.com,+15145550103,es,yes,no,Laval\n` +
        `${uuidFor(4)},Nobody,,,en,yes,yes,Laval\n` +
        `${uuidFor(5)},Quiet,quiet@example.com,+15145550105,en,no,no,\n`,
    );
    const draft = (await json('POST', '/api/communications', { name: 'Review me' })).body;
    await json('PATCH', `/api/communications/${draft.id}`, { version: 1, content: { defaultLanguage: outage.defaultLanguage, email: outage.email, sms: outage.sms } });
    await setRecipients(draft.id, [1, 2, 3, 4, 5].map(uuidFor));
    const review = (await json('GET', `/api/communications/${draft.id}/review`)).body;
    expect(review.recipients).toBe(5);
    expect(review.messages.email).toEqual({ total: 3, byLanguage: { en: 2, fr: 1 } });
    expect(review.messages.sms).toEqual({ total: 1, byLanguage: { en: 1 } });
    expect(review.messages.total).toBe(4);
    expect(review.receivingNothing.total).toBe(2);
    expect(review.receivingNothing.groups).toEqual(
      expect.arrayContaining([
        { reasons: { email: 'no_address', sms: 'no_address' }, accounts: 1 },
        { reasons: { email: 'consent_withdrawn', sms: 'consent_withdrawn' }, accounts: 1 },
      ]),
    );
    expect(review.receivingNothing.sample.map((s: { accountId: string }) => s.accountId).sort()).toEqual([uuidFor(4), uuidFor(5)]);
    expect(review.warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'missing_translation', channel: 'email', language: 'es', accounts: 1 }),
        expect.objectContaining({ code: 'missing_attribute', accounts: 1 }),
      ]),
    );
    expect(review.contentErrors).toEqual([]);
    expect(review.sms.en).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(review).toMatchObject({ canSend: true, blockers: [] });
  });

  it('refuses Send at review while the content has errors or there are no recipients', async () => {
    const draft = (await json('POST', '/api/communications', { name: 'Broken' })).body;
    await json('PATCH', `/api/communications/${draft.id}`, {
      version: 1,
      content: { defaultLanguage: 'en', email: null, sms: { en: { body: 'Hi {{ account.frist_name }}' } } },
    });
    const review = (await json('GET', `/api/communications/${draft.id}/review`)).body;
    expect(review.canSend).toBe(false);
    expect(review.blockers.map((b: { code: string }) => b.code).sort()).toEqual(['content_errors', 'no_recipients']);
    expect(review.contentErrors).toEqual([expect.objectContaining({ channel: 'sms', language: 'en', field: 'body', line: 1, column: 7, code: 'unknown_merge_tag' })]);
  });

  it('previews for a real account (escaped in HTML) and for the sample account', async () => {
    await importAccounts(`uuid,first_name,language,area\n${uuidFor(20)},<b>Tom & Jerry</b>,fr-CA,Nord\n`);
    const draft = (await json('POST', '/api/communications', { name: 'Preview' })).body;
    await json('PATCH', `/api/communications/${draft.id}`, { version: 1, content: { defaultLanguage: outage.defaultLanguage, email: outage.email, sms: outage.sms } });
    const real = (await json('GET', `/api/communications/${draft.id}/preview?type=email&accountId=${uuidFor(20)}`)).body;
    expect(real).toMatchObject({ type: 'email', language: 'fr', account: { id: uuidFor(20), sample: false } });
    expect(real.email.html).toBe('<p>Bonjour &lt;b&gt;Tom &amp; Jerry&lt;/b&gt;,</p>');
    expect(real.email.text).toBe('Bonjour <b>Tom & Jerry</b>,');
    expect(real.email.subject).toBe('Interruption à Nord');
    const sample = (await json('GET', `/api/communications/${draft.id}/preview?type=sms`)).body;
    expect(sample).toMatchObject({ type: 'sms', language: 'en', account: { sample: true }, sms: { encoding: 'GSM-7', segments: 1 } });
    const missing = await json('GET', `/api/communications/${draft.id}/preview?type=email&accountId=${uuidFor(21)}`);
    expect(missing.status).toBe(404);
  });

  it('sends a test through the provider, marked as a test, never counted', async () => {
    const draft = (await json('POST', '/api/communications', { name: 'Test me' })).body;
    await json('PATCH', `/api/communications/${draft.id}`, { version: 1, content: { defaultLanguage: outage.defaultLanguage, email: outage.email, sms: outage.sms } });
    // The sample account has no "area" attribute: rendering for it fails rather than leave a blank.
    const sampleFails = await json('POST', `/api/communications/${draft.id}/test`, { type: 'email' });
    expect(sampleFails.status).toBe(422);
    expect(sampleFails.body.error).toMatchObject({ code: 'render_failed', details: { reason: 'missing_value', field: 'subject' } });
    await importAccounts(`uuid,first_name,area\n${uuidFor(30)},Tess,Laval\n`);
    const res = await json('POST', `/api/communications/${draft.id}/test`, { type: 'email', accountId: uuidFor(30) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ type: 'email', to: t.user.email });
    const kept = await t.app.store.db.selectFrom('sandbox_messages').selectAll().where('provider_message_id', '=', res.body.providerMessageId).executeTakeFirstOrThrow();
    expect(kept.subject).toMatch(/^\[Test\] Service interruption in /);
    expect(JSON.parse(kept.headers)).toMatchObject({ 'X-Crier-Test': 'true' });
    const sms = await json('POST', `/api/communications/${draft.id}/test`, { type: 'sms', to: '(514) 555-0199', accountId: uuidFor(30) });
    expect(sms.body.to).toBe('+15145550199');
    expect((await json('POST', `/api/communications/${draft.id}/test`, { type: 'sms' })).status).toBe(400);
    const after = (await json('GET', `/api/communications/${draft.id}`)).body;
    expect(after.messages).toEqual({ total: 0, sent: 0, sendFailed: 0, cancelled: 0, delivered: 0, deliveryErrors: 0 });
    const messages = await t.app.store.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).where('communication_id', '=', draft.id).executeTakeFirstOrThrow();
    expect(Number(messages.n)).toBe(0);
  });

  it('lets a viewer read but not change', async () => {
    const viewer = await t.as('viewer');
    expect((await viewer({ url: '/api/communications' })).statusCode).toBe(200);
    expect((await viewer({ method: 'POST', url: '/api/communications', payload: { name: 'Nope' } })).statusCode).toBe(403);
  });
});
