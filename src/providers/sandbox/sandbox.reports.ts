// The sandbox's delivery reports. Each message it accepts gets a planned report, kept with it;
// a periodic task turns due plans into delivery events and hands them to the same intake real
// webhooks use, so the sandbox shows the whole flow, failures included, with no provider.
import type { DeliveryEvent } from '../../domain/delivery.js';
import type { DueSandboxReport, Outgoing, PeriodicTask, SandboxOutbox } from '../provider.js';

export type SandboxReportKind = 'delivered' | 'bounced' | 'failed';

export interface SandboxReport {
  kind: SandboxReportKind;
  reason: string | null;
}

/** What Gmail answers for a mailbox that does not exist. */
export const HARD_BOUNCE_TEXT = '550 5.1.1 The email account that you tried to reach does not exist';
/** Twilio's error 30003: the handset is off or out of coverage (not a reason to suppress the number). */
export const UNREACHABLE_TEXT = 'Twilio error 30003: Unreachable destination handset';

/**
 * The report for a message: email to any address at bounce.example bounces hard; SMS to a number
 * ending in 0000 is undeliverable; everything else is delivered.
 */
export function planReport(message: Outgoing): SandboxReport {
  if (message.channel === 'email' && /@bounce\.example$/i.test(message.to)) return { kind: 'bounced', reason: HARD_BOUNCE_TEXT };
  if (message.channel === 'sms' && message.to.endsWith('0000')) return { kind: 'failed', reason: UNREACHABLE_TEXT };
  return { kind: 'delivered', reason: null };
}

/** The event a provider's webhook would have sent for this report. */
export function reportEvent(provider: string, r: DueSandboxReport): DeliveryEvent {
  const delivered = r.report_kind === 'delivered';
  return {
    provider,
    // Deterministic: two workers reporting the same plan produce one event.
    eventKey: `${r.provider_message_id}:${r.report_kind}`,
    providerMessageId: r.provider_message_id,
    kind: delivered ? 'delivered' : 'failed',
    hardBounce: r.report_kind === 'bounced',
    occurredAt: Number(r.report_due_at),
    ...(r.report_reason === null ? {} : { reason: r.report_reason }),
    payload: { id: r.provider_message_id, channel: r.channel, to: r.to_address, status: r.report_kind, reason: r.report_reason },
  };
}

const BATCH = 500;
const MAX_BATCHES = 20;

export interface SandboxReportDeps {
  outbox: SandboxOutbox;
  /** The intake's `ingest`: the same path as every webhook. */
  ingest(events: DeliveryEvent[]): Promise<unknown>;
  provider?: string;
  everyMs?: number;
}

/**
 * Reports due plans: ingest first, then mark them reported. A worker that dies between the two,
 * or two workers that pick the same plans, report them again; the intake's event dedupe makes
 * that harmless.
 */
export function sandboxReports(deps: SandboxReportDeps): PeriodicTask {
  const provider = deps.provider ?? 'sandbox';
  return {
    name: 'sandbox delivery reports',
    everyMs: deps.everyMs ?? 1_000,
    async run(now) {
      for (let i = 0; i < MAX_BATCHES; i++) {
        const due = await deps.outbox.takeDue(now, BATCH);
        if (due.length === 0) return;
        await deps.ingest(due.map((r) => reportEvent(provider, r)));
        await deps.outbox.markReported(due.map((r) => Number(r.id)), now);
        if (due.length < BATCH) return;
      }
    },
  };
}
