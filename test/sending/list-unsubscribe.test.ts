// The List-Unsubscribe header every email carries: one header, the https link first, and the
// mailto beside it only when a mailbox for it is configured (RFC 2369, RFC 8058).
import { afterEach, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/sending/dispatcher.js';
import { uuidFor } from '../harness/accounts.js';
import { EMAIL_AND_SMS, sendCommunication } from '../harness/delivery.js';
import { describeEachDialect } from '../harness/dialects.js';
import { startTestServer, type TestServer } from '../harness/server.js';

describeEachDialect('List-Unsubscribe', (ctx) => {
  let t: TestServer | undefined;
  let dispatcher: Dispatcher | undefined;
  afterEach(async () => {
    await dispatcher?.stop();
    await t?.close();
  });

  const headersSent = async (env: Record<string, string>) => {
    t = await startTestServer(ctx.url(), { env: { CRIER_SANDBOX_DELIVERY_DELAY_MS: '3600000', CRIER_PUBLIC_URL: 'https://crier.isp.example', ...env } });
    dispatcher = t.app.createDispatcher();
    dispatcher.start();
    const { messages } = await sendCommunication(t.app, 0, { content: EMAIL_AND_SMS, csvRows: [`${uuidFor(7_200_001)},L1,l1@example.com,`] });
    const email = messages.find((m) => m.channel === 'email')!;
    const row = await t.app.store.db.selectFrom('sandbox_messages').select('headers').where('crier_id', '=', String(email.id)).executeTakeFirstOrThrow();
    return { id: email.id, headers: JSON.parse(row.headers) as Record<string, string> };
  };

  it('lists the https link alone when no unsubscribe mailbox is configured', async () => {
    const { headers } = await headersSent({});
    expect(headers['List-Unsubscribe']).toMatch(/^<https:\/\/crier\.isp\.example\/unsubscribe\/[^>]+>$/);
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
  });

  it('adds the mailto after the link, naming the message, when CRIER_UNSUBSCRIBE_MAILTO is set', async () => {
    const { id, headers } = await headersSent({ CRIER_UNSUBSCRIBE_MAILTO: 'unsubscribe@isp.example' });
    expect(headers['List-Unsubscribe']).toMatch(new RegExp(`^<https://crier\\.isp\\.example/unsubscribe/[^>]+>, <mailto:unsubscribe@isp\\.example\\?subject=unsubscribe%20${id}>$`));
  });
});
