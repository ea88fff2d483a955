// A message's render is bounded by wall time; a pause of the sender's thread must not fail a
// message whose content renders in microseconds, while content that is too slow still fails.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Content } from '../../src/content/content.js';
import { ContentRenderer } from '../../src/content/render.js';
import { SAMPLE_ACCOUNT } from '../../src/content/sample-account.js';
import { DEFAULT_RETRY } from '../../src/domain/message.js';
import type { Outcome, Outgoing, Provider } from '../../src/providers/provider.js';
import { ContentCache } from '../../src/sending/content-cache.js';
import { handOver } from '../../src/sending/hand-over.js';
import type { ClaimedMessage } from '../../src/sending/sending-store.js';
import { UnsubscribeLinks } from '../../src/sending/unsubscribe.js';

class AcceptingProvider implements Provider {
  readonly name = 'accepting';
  readonly channels = ['email', 'sms'] as const;
  readonly limits = { maxBatchSize: 10, messagesPerSecond: Infinity, maxConcurrentRequests: 1 };
  readonly sent: Outgoing[] = [];
  async send(batch: readonly Outgoing[]): Promise<Outcome[]> {
    this.sent.push(...batch);
    return batch.map((m) => ({ id: m.id, ok: true, providerMessageId: `p-${m.id}` }));
  }
}

const renderer = new ContentRenderer({ renderLimit: 50 });

function deps(content: Content) {
  return {
    renderer,
    contents: new ContentCache({ content: async () => ({ name: 'Outage', content }) }, renderer),
    unsubscribe: new UnsubscribeLinks('https://crier.example', randomBytes(32)),
    retry: DEFAULT_RETRY,
    from: 'crier@example.com',
    concurrency: 1,
  };
}

const claimed: ClaimedMessage = { id: 7, communication_id: 1, account_id: 3, channel: 'email', language: 'en', address: 'ann@example.com', attempts: 1 };
const accounts = new Map([[3, { ...SAMPLE_ACCOUNT, firstName: 'Ann' }]]);
const email = (html: string): Content => ({ defaultLanguage: 'en', email: { en: { subject: 'Outage', html, text: 'Outage' } }, sms: null });

describe('rendering a claimed message', () => {
  afterEach(() => vi.restoreAllMocks());

  it('hands the message over when a pause of the thread, not the content, hit the time limit', async () => {
    const real = performance.now.bind(performance);
    let reads = 0;
    // The third clock reading comes a second late, as after a long pause of the thread.
    vi.spyOn(performance, 'now').mockImplementation(() => real() + (++reads === 3 ? 1000 : 0));
    const provider = new AcceptingProvider();
    const result = await handOver(deps(email('<p>Hello {{ account.first_name }}</p>')), provider, [claimed], accounts, Date.now);
    expect(reads).toBeGreaterThan(3);
    expect(result.outcomes).toEqual([{ id: 7, communicationId: 1, kind: 'sent', providerMessageId: 'p-7' }]);
    expect(provider.sent).toMatchObject([{ html: '<p>Hello Ann</p>' }]);
  });

  it('fails content that is really too slow, within a few render limits', async () => {
    const provider = new AcceptingProvider();
    const loops = '{% for a in (1..1000) %}{% for b in (1..1000) %}{% for c in (1..1000) %}{% endfor %}{% endfor %}{% endfor %}';
    const started = performance.now();
    const result = await handOver(deps(email(loops)), provider, [claimed], accounts, Date.now);
    expect(performance.now() - started).toBeLessThan(50 * 5);
    expect(result.outcomes).toEqual([expect.objectContaining({ id: 7, kind: 'failed', code: 'render_failed', message: expect.stringContaining('render limit') })]);
    expect(provider.sent).toEqual([]);
  });
});
