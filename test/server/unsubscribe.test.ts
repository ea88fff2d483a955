// Unsubscribe links as a recipient (or their mail client) uses them: the confirmation page, the
// POST that suppresses the address once, RFC 8058 one-click, bad tokens and the rate limit.
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/sending/dispatcher.js';
import { uuidFor } from '../harness/accounts.js';
import { sendCommunication, type SentMessage } from '../harness/delivery.js';
import { describeEachDialect } from '../harness/dialects.js';
import { startTestServer, type TestServer } from '../harness/server.js';

describeEachDialect('unsubscribe links', (ctx) => {
  let t: TestServer;
  let dispatcher: Dispatcher;
  let email: SentMessage[];
  let sms: SentMessage;
  beforeAll(async () => {
    t = await startTestServer(ctx.url(), { env: { CRIER_SANDBOX_DELIVERY_DELAY_MS: '3600000', CRIER_UNSUBSCRIBE_RATE_LIMIT: '20' } });
    dispatcher = t.app.createDispatcher();
    dispatcher.start();
    const rows = [1, 2, 3, 4].map((n) => `${uuidFor(8_000_000 + n)},U${n},unsub${n}@example.com,+1438555020${n}`);
    const content = {
      defaultLanguage: 'en',
      email: { en: { subject: 'News', html: '<p>Hi</p><a href="{{ unsubscribe_url }}">Unsubscribe</a>', text: 'Hi {{ unsubscribe_url }}' } },
      sms: { en: { body: 'Hi' } },
    };
    const { messages } = await sendCommunication(t.app, 0, { content, csvRows: rows });
    email = messages.filter((m) => m.channel === 'email');
    sms = messages.find((m) => m.channel === 'sms')!;
    await dispatcher.stop();
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await t?.close();
  });

  const token = (m: SentMessage) => t.app.unsubscribe.url(m.id).split('/unsubscribe/')[1]!;
  let ip = 0;
  // Anonymous, from an address of its own per test, so the rate limit counts only that test.
  const anonymous = (address: string) => (options: InjectOptions) => t.server.inject({ remoteAddress: address, ...options });
  const nextCaller = () => anonymous(`10.0.0.${++ip}`);
  const suppressionsOf = (address: string) =>
    t.app.store.db.selectFrom('suppressions').select(['channel', 'address', 'reason', 'source']).where('address', '=', address).execute();
  const audits = () => t.app.store.db.selectFrom('audit_log').select(['actor', 'summary']).where('action', '=', 'suppression.added').execute();

  it('answers a small accessible confirmation page that changes nothing', async () => {
    const call = nextCaller();
    const res = await call({ method: 'GET', url: `/unsubscribe/${token(email[0]!)}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBeDefined();
    expect(res.body).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(res.body).toContain('Unsubscribe <strong>u***@e***.com</strong> from these emails?');
    expect(res.body).toMatch(/<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">/);
    expect(res.body).not.toContain('unsub1@example.com');
    expect(res.body).not.toMatch(/<script|<link|<img|src=|https?:/);
    expect(await suppressionsOf('unsub1@example.com')).toEqual([]);
  });

  it('suppresses the address on POST, once, however often it is sent', async () => {
    const call = nextCaller();
    const auditsBefore = (await audits()).length;
    const post = () =>
      call({
        method: 'POST',
        url: `/unsubscribe/${token(email[0]!)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'List-Unsubscribe=One-Click',
      });
    const first = await post();
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('<h1>You are unsubscribed</h1>');
    expect(first.body).toContain('u***@e***.com');
    expect((await post()).statusCode).toBe(200);
    expect(await suppressionsOf('unsub1@example.com')).toEqual([
      { channel: 'email', address: 'unsub1@example.com', reason: 'unsubscribed', source: `unsubscribe-link:message ${email[0]!.id}` },
    ]);
    const added = (await audits()).slice(auditsBefore);
    expect(added).toEqual([{ actor: 'recipient (unsubscribe link)', summary: 'Suppressed email unsub1@example.com: unsubscribed' }]);
  });

  it('takes RFC 8058 one-click POSTs from mail clients, with the link from the List-Unsubscribe header', async () => {
    const call = nextCaller();
    const sent = await t.app.store.db.selectFrom('sandbox_messages').select('headers').where('crier_id', '=', String(email[1]!.id)).executeTakeFirstOrThrow();
    const headers = JSON.parse(sent.headers) as Record<string, string>;
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const link = new URL(/^<(.+)>$/.exec(headers['List-Unsubscribe']!)![1]!);
    const res = await call({ method: 'POST', url: link.pathname, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    expect(res.statusCode).toBe(200);
    expect(await suppressionsOf('unsub2@example.com')).toHaveLength(1);

    const boundary = 'crierboundary';
    const multipart = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
    const viaForm = await call({
      method: 'POST',
      url: `/unsubscribe/${token(email[2]!)}`,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: multipart,
    });
    expect(viaForm.statusCode).toBe(200);
    expect(await suppressionsOf('unsub3@example.com')).toHaveLength(1);
  });

  it('answers 404 in the same page style for any bad token, revealing nothing', async () => {
    const call = nextCaller();
    const valid = token(email[3]!);
    const forged = valid.replace(/\.(.)/, (_, c: string) => `.${c === 'A' ? 'B' : 'A'}`);
    const bad = [forged, 'nonsense', `${email[3]!.id}`, token(sms), t.app.unsubscribe.url(99_999_999).split('/unsubscribe/')[1]!];
    for (const tokenText of bad) {
      for (const method of ['GET', 'POST'] as const) {
        const res = await call({ method, url: `/unsubscribe/${encodeURIComponent(tokenText)}` });
        expect(res.statusCode, `${method} ${tokenText}`).toBe(404);
        expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(res.body).toContain('<h1>This link does not work</h1>');
      }
    }
    expect(await suppressionsOf('unsub4@example.com')).toEqual([]);
    expect(await suppressionsOf(sms.address)).toEqual([]);
  });

  it('accepts one spelling per link: the id with leading zeros, a plus sign or spaces is not the link', async () => {
    const call = nextCaller();
    const [id, signature] = token(email[3]!).split('.') as [string, string];
    for (const variant of [`0${id}`, `000${id}`, `+${id}`, ` ${id}`, `${id}.0`]) {
      const spelled = variant.endsWith('.0') ? `${id}.${signature}.0` : `${variant}.${signature}`;
      for (const method of ['GET', 'POST'] as const) {
        const res = await call({ method, url: `/unsubscribe/${encodeURIComponent(spelled)}` });
        expect(res.statusCode, `${method} ${spelled}`).toBe(404);
        expect(res.body).toContain('<h1>This link does not work</h1>');
      }
    }
    expect(t.app.unsubscribe.verify(`0${id}.${signature}`)).toBeNull();
    expect(t.app.unsubscribe.verify(`${id}.${signature}`)).toBe(email[3]!.id);
    expect(await suppressionsOf('unsub4@example.com')).toEqual([]);
  });

  it('speaks French to a message sent in French', async () => {
    const call = nextCaller();
    await t.app.store.db.updateTable('messages').set({ language: 'fr-CA' }).where('id', '=', email[3]!.id).execute();
    const res = await call({ method: 'GET', url: `/unsubscribe/${token(email[3]!)}` });
    expect(res.body).toContain('<html lang="fr">');
    expect(res.body).toContain('Ne plus envoyer ces courriels à <strong>u***@e***.com</strong>?');
  });

  it('limits the requests of one address per minute', async () => {
    const call = nextCaller();
    const url = `/unsubscribe/${token(email[3]!)}`;
    for (let i = 0; i < 20; i++) expect((await call({ method: 'GET', url })).statusCode).toBe(200);
    const limited = await call({ method: 'GET', url });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('rate_limited');
    expect((await nextCaller()({ method: 'GET', url })).statusCode).toBe(200);
  });
});
