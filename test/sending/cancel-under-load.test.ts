// Cancel pressed while batches are being recorded: two senders hand small batches to a provider
// that answers at once, so they spend their time claiming and recording (on PostgreSQL, the
// transactions that used to deadlock against Cancel). Whenever Cancel lands it must answer, and
// no message still queued when it returned may ever be handed over.
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { CLI_ACTOR } from '../../src/domain/actor.js';
import type { Dispatcher } from '../../src/sending/dispatcher.js';
import { describeEachDialect } from '../harness/dialects.js';
import { LoopbackProvider, startLoopbackServer, type LoopbackServer } from '../harness/loopback.js';
import { notYetSent, readyDraft, recount, waitFor } from '../harness/sending.js';

const ROUNDS = 4;
const ACCOUNTS = 3000;

describeEachDialect('cancel under load', (ctx) => {
  let server: LoopbackServer;
  let apps: App[] = [];
  let dispatchers: Dispatcher[] = [];

  beforeAll(async () => {
    server = await startLoopbackServer();
    const env = { DATABASE_URL: ctx.url(), CRIER_SEND_BATCHES_IN_FLIGHT: '4' };
    // Two apps, two stores, two senders: two workers sharing the database.
    for (let i = 0; i < 2; i++) {
      const provider = new LoopbackProvider('loopback', server.url, { maxBatchSize: 25, maxConcurrentRequests: 2 });
      apps.push(await createApp(loadConfig({ env }), { providers: { email: provider, sms: provider }, logger: pino({ level: 'silent' }) }));
    }
    dispatchers = apps.map((app) => app.createDispatcher());
    for (const d of dispatchers) d.start();
  });
  afterAll(async () => {
    await Promise.all(dispatchers.map((d) => d.stop()));
    await Promise.all(apps.map((a) => a.close()));
    await server.close();
    apps = [];
  });

  it('answers, ends Cancelled, and hands over nothing that was queued when it returned', async () => {
    const [app] = apps as [App];
    for (let round = 0; round < ROUNDS; round++) {
      const id = await readyDraft(app, ACCOUNTS, { content: { defaultLanguage: 'en', email: { en: { subject: 'S {{ account.first_name }}', html: '<p>H</p>', text: 'T' } }, sms: { en: { body: 'B {{ account.first_name }}' } } } });
      await app.sending.send(id, CLI_ACTOR);
      // Cancel at a different point of each round: after 10 %, 30 %, 50 %, 70 % of the messages.
      const threshold = Math.round(ACCOUNTS * 2 * (0.1 + 0.2 * round));
      await waitFor(async () => (await app.communications.get(id)).messages.sent >= threshold || undefined, 60_000, `${threshold} sent`);
      const cancelled = await app.sending.cancel(id, CLI_ACTOR);
      expect(cancelled.status).toBe('cancelled');
      // Not sent and not being handed over when Cancel returned: never to be handed over.
      const stopped = await notYetSent(app, id);
      expect(stopped.length).toBeGreaterThan(0);
      await waitFor(
        async () => {
          const r = await recount(app, id);
          return r.sent + r.sendFailed + r.cancelled === r.total || undefined;
        },
        20_000,
        'every message settled',
      );
      for (const { id: messageId } of stopped) expect(server.received.has(String(messageId))).toBe(false);
      const finalCancelled = await app.store.db.selectFrom('messages').select('id').where('communication_id', '=', id).where('send_state', '=', 'cancelled').execute();
      for (const { id: messageId } of finalCancelled) expect(server.received.has(String(messageId))).toBe(false);
      const view = await app.communications.get(id);
      expect(view.status).toBe('cancelled');
      expect(view.messages).toMatchObject(await recount(app, id));
    }
  }, 180_000);
});
