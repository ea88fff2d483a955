// The built-in provider: accepts email and SMS, keeps them in its outbox for viewing, and
// answers like a real provider, so a new install shows the whole flow with no setup.
import { randomUUID } from 'node:crypto';
import type { Outcome, Outgoing, PeriodicTask, Provider, ProviderCapabilities, ProviderCheck, ProviderLimits, SandboxMessage } from '../provider.js';
import { planReport, sandboxReports } from './sandbox.reports.js';

export interface SandboxOptions {
  capabilities: Pick<ProviderCapabilities, 'sandbox' | 'ingest'>;
  /** How long after sending the sandbox reports delivery (through the one delivery intake). */
  deliveryDelayMs?: number;
  limits?: Partial<ProviderLimits>;
  now?: () => number;
}

export class SandboxProvider implements Provider {
  readonly name = 'sandbox';
  readonly channels = ['email', 'sms'] as const;
  readonly limits: ProviderLimits;

  constructor(private readonly options: SandboxOptions) {
    // No rate limit of its own: nothing leaves the machine, and a bucket would only cost a transaction a claim.
    this.limits = { maxBatchSize: 500, messagesPerSecond: Infinity, maxConcurrentRequests: 4, rateNote: 'sandbox: nothing leaves this machine', ...options.limits };
  }

  async send(batch: readonly Outgoing[]): Promise<Outcome[]> {
    if (batch.length === 0) return [];
    const now = this.options.now?.() ?? Date.now();
    const dueAt = now + (this.options.deliveryDelayMs ?? 2000);
    const rows = batch.map((m): SandboxMessage => {
      const report = planReport(m);
      return {
        provider_message_id: `sbx_${randomUUID()}`,
        crier_id: m.id,
        channel: m.channel,
        to_address: m.to,
        subject: m.channel === 'email' ? m.subject : null,
        body: m.channel === 'email' ? m.text : m.body,
        html: m.channel === 'email' ? m.html : null,
        headers: m.channel === 'email' ? JSON.stringify(m.headers) : '{}',
        created_at: now,
        report_kind: report.kind,
        report_reason: report.reason,
        report_due_at: dueAt,
      };
    });
    await this.options.capabilities.sandbox.insert(rows);
    return rows.map((r) => ({ id: r.crier_id, ok: true as const, providerMessageId: r.provider_message_id }));
  }

  tasks(): PeriodicTask[] {
    return [sandboxReports({ outbox: this.options.capabilities.sandbox, ingest: (events) => this.options.capabilities.ingest(events), provider: this.name })];
  }

  async check(): Promise<ProviderCheck> {
    return { ok: true, detail: 'the sandbox needs no credentials: messages stay in this database' };
  }
}
