// One claimed batch, from rows to outcomes: render each message (a render failure is that
// message's permanent send failure, never a blank), hand the batch to the provider in requests of
// its size with its concurrency, and turn each answer into what to record.
import { RenderFailedError, type ContentRenderer } from '../content/render.js';
import type { RenderAccount } from '../content/content.js';
import { nextStep, type RetryPolicy } from '../domain/message.js';
import type { Outcome, Outgoing, Provider, ProviderFailure } from '../providers/provider.js';
import type { ClaimedMessage, RecordedOutcome } from './sending-store.js';
import type { ContentCache } from './content-cache.js';
import type { UnsubscribeLinks } from './unsubscribe.js';

export interface HandOverDeps {
  renderer: ContentRenderer;
  contents: ContentCache;
  unsubscribe: UnsubscribeLinks;
  retry: RetryPolicy;
  from: string;
  replyTo?: string;
  /** A mailbox that takes unsubscribe requests by mail (CRIER_UNSUBSCRIBE_MAILTO), listed beside the link. */
  unsubscribeMailto?: string | undefined;
  /** Requests in flight at once for this batch. */
  concurrency: number;
}

export interface HandOverResult {
  outcomes: RecordedOutcome[];
  /** The first failure of a request of which nothing went through (for the circuit breaker). */
  requestFailure: ProviderFailure | null;
  anyAccepted: boolean;
}

export async function handOver(
  deps: HandOverDeps,
  provider: Provider,
  batch: readonly ClaimedMessage[],
  accounts: ReadonlyMap<number, RenderAccount>,
  now: () => number,
): Promise<HandOverResult> {
  const outcomes: RecordedOutcome[] = [];
  const ready: { claimed: ClaimedMessage; outgoing: Outgoing }[] = [];
  for (const claimed of batch) {
    try {
      ready.push({ claimed, outgoing: await render(deps, claimed, accounts.get(Number(claimed.account_id))) });
    } catch (err) {
      const message = err instanceof RenderFailedError ? err.message : `cannot render: ${(err as Error).message}`;
      outcomes.push({ id: Number(claimed.id), communicationId: Number(claimed.communication_id), kind: 'failed', code: 'render_failed', message });
    }
  }

  const size = Math.max(1, provider.limits.maxBatchSize);
  const requests: (typeof ready)[] = [];
  for (let i = 0; i < ready.length; i += size) requests.push(ready.slice(i, i + size));
  let requestFailure: ProviderFailure | null = null;
  let anyAccepted = false;
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const request = requests[next++]!;
      const answers = await sendSafely(provider, request.map((r) => r.outgoing));
      const byId = new Map(answers.map((a) => [a.id, a]));
      let accepted = false;
      for (const { claimed } of request) {
        const answer = byId.get(String(claimed.id)) ?? missingAnswer(String(claimed.id));
        if (answer.ok) accepted = true;
        outcomes.push(toRecorded(claimed, answer, deps.retry, now()));
      }
      anyAccepted ||= accepted;
      if (!accepted) {
        const failure = answers.find((a): a is Extract<Outcome, { ok: false }> => !a.ok)?.failure;
        if (failure && failure.kind !== 'permanent') requestFailure ??= failure;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.concurrency, requests.length) }, worker));
  return { outcomes, requestFailure, anyAccepted };
}

async function render(deps: HandOverDeps, m: ClaimedMessage, account: RenderAccount | undefined): Promise<Outgoing> {
  try {
    return await renderOnce(deps, m, account);
  } catch (err) {
    // The time limit is wall time: a pause of this thread (a garbage collection, a busy host)
    // can push a sub-millisecond render past it, and a render failure is final. One more try
    // tells such a pause from content that really is too slow, which fails again.
    if (err instanceof RenderFailedError && err.limit === 'time') return renderOnce(deps, m, account);
    throw err;
  }
}

async function renderOnce(deps: HandOverDeps, m: ClaimedMessage, account: RenderAccount | undefined): Promise<Outgoing> {
  if (!account) throw new Error('the account no longer exists');
  const { name, compiled } = await deps.contents.get(Number(m.communication_id));
  const id = String(m.id);
  if (m.channel === 'sms') {
    const { body } = deps.renderer.renderSms(compiled, m.language, { account, communication: { name } });
    return { channel: 'sms', id, to: m.address, body };
  }
  const unsubscribeUrl = deps.unsubscribe.url(Number(m.id));
  const email = deps.renderer.renderEmail(compiled, m.language, { account, communication: { name }, unsubscribeUrl });
  return {
    channel: 'email',
    id,
    to: m.address,
    from: deps.from,
    ...(deps.replyTo ? { replyTo: deps.replyTo } : {}),
    ...email,
    headers: {
      // RFC 8058 one-click unsubscribe, which large mailbox providers expect of bulk mail: one
      // header, the https link first (RFC 2369 lets a client pick the first it can use).
      'List-Unsubscribe': listUnsubscribe(unsubscribeUrl, deps.unsubscribeMailto, id),
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'X-Crier-Message-Id': id,
    },
  };
}

function listUnsubscribe(url: string, mailto: string | undefined, id: string): string {
  if (!mailto) return `<${url}>`;
  return `<${url}>, <mailto:${mailto}?subject=${encodeURIComponent(`unsubscribe ${id}`)}>`;
}

/** A provider that throws instead of answering is treated as a transient failure of the request. */
async function sendSafely(provider: Provider, batch: Outgoing[]): Promise<Outcome[]> {
  try {
    return await provider.send(batch);
  } catch (err) {
    const failure: ProviderFailure = { kind: 'transient', code: 'provider_error', message: (err as Error).message };
    return batch.map((m) => ({ id: m.id, ok: false, failure }));
  }
}

function missingAnswer(id: string): Outcome {
  return { id, ok: false, failure: { kind: 'transient', code: 'no_answer', message: 'the provider gave no answer for this message' } };
}

function toRecorded(claimed: ClaimedMessage, answer: Outcome, retry: RetryPolicy, now: number): RecordedOutcome {
  const base = { id: Number(claimed.id), communicationId: Number(claimed.communication_id) };
  if (answer.ok) return { ...base, kind: 'sent', providerMessageId: answer.providerMessageId };
  const step = nextStep(answer.failure, Number(claimed.attempts), retry);
  if (step.action === 'fail') return { ...base, kind: 'failed', code: step.code, message: step.message };
  return {
    ...base,
    kind: 'retry',
    nextAttemptAt: now + step.delayMs,
    refundAttempt: !step.spendsAttempt,
    code: answer.failure.code,
    message: answer.failure.message,
  };
}
