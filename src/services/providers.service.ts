// The providers as an admin sees them (GET /api/providers, `crier providers check`): per channel,
// whether the credentials work (a check that sends nothing, run in parallel with a timeout and
// remembered for a minute), the limits the sender holds to, what the senders' circuit breakers
// last said (they live in the senders' memory; each sender writes its state to the database,
// provider-health.sql.ts), and the webhook URLs to paste into the provider's console. No secret
// is ever in the answer: texts that come from providers are scrubbed of every configured secret
// and of anything shaped like a key.
import { SECRET_SETTINGS, type Config } from '../config.js';
import { effectivePerSecond, estimateSend, type SendEstimate } from '../domain/send-estimate.js';
import type { Channel, Provider, ProviderCheck } from '../providers/provider.js';
import type { Providers } from '../providers/registry.js';
import { HEALTH_REPORT_MS } from '../sending/dispatcher.js';
import { providerHealthRows, type ProviderHealthRow } from '../store/engine/provider-health.sql.js';
import type { SqlExec } from '../store/engine/sql-exec.js';

export interface ProviderStatus {
  channel: Channel;
  provider: string;
  credentials: { ok: boolean; detail: string; checkedAt: string };
  limits: {
    maxBatchSize: number;
    /** The provider's own limit; null when it has none. */
    messagesPerSecond: number | null;
    /** What the sender holds to: CRIER_EMAIL_RATE_LIMIT / CRIER_SMS_RATE_LIMIT when set, else the provider's own. */
    effectivePerSecond: number | null;
    maxConcurrentRequests: number;
    /** CRIER_EMAIL_CONCURRENCY / CRIER_SMS_CONCURRENCY when set, else the provider's own. */
    effectiveConcurrentRequests: number;
    rateNote: string | null;
    validitySeconds: number | null;
  };
  breaker: {
    state: 'closed' | 'open' | 'unknown';
    reason: string | null;
    since: string | null;
    reportedAt: string | null;
    /** Senders that reported recently (alive). */
    senders: number;
  };
  webhookUrls: string[];
}

export interface ProvidersStatus {
  channels: ProviderStatus[];
}

/** How long a check's answer is reused (`refresh` forces a new one). */
export const CHECK_CACHE_MS = 60_000;
export const CHECK_TIMEOUT_MS = 10_000;
/**
 * A sender refreshes its rows every HEALTH_REPORT_MS while it runs. A row not refreshed for three
 * of those is a sender that is gone (killed, stopped, its machine down): it says nothing any more,
 * and when no sender's row is fresh the breaker reads "unknown".
 */
export const HEALTH_STALE_MS = 3 * HEALTH_REPORT_MS;

const CHANNELS: readonly Channel[] = ['email', 'sms'];

export interface ProvidersServiceDeps {
  providers: Providers;
  config: Pick<Config, 'publicUrl' | 'sending' | 'settings'>;
  exec: SqlExec;
  now: () => number;
  checkTimeoutMs?: number;
  cacheMs?: number;
}

interface CheckAnswer {
  ok: boolean;
  detail: string;
  checkedAt: number;
}

export class ProvidersService {
  private readonly checks = new Map<Provider, { at: number; answer: Promise<CheckAnswer> }>();
  private readonly secrets: string[];

  constructor(private readonly deps: ProvidersServiceDeps) {
    const settings = deps.config.settings as Readonly<Record<string, unknown>>;
    this.secrets = Object.entries(settings)
      .filter(([name, value]) => (SECRET_SETTINGS.has(name) || SECRET_NAME.test(name)) && typeof value === 'string' && value.length >= 4)
      .map(([, value]) => value as string)
      // Longest first: a secret that contains another is hidden whole.
      .sort((a, b) => b.length - a.length);
  }

  async status(options: { refresh?: boolean } = {}): Promise<ProvidersStatus> {
    const { providers, exec } = this.deps;
    // One check per provider, also when it serves both channels.
    const distinct = [...new Set(CHANNELS.map((c) => providers[c]))];
    const [checks, health] = await Promise.all([
      Promise.all(distinct.map(async (p) => [p, await this.check(p, options.refresh === true)] as const)).then((pairs) => new Map(pairs)),
      Promise.all(CHANNELS.map((c) => providerHealthRows(exec, providers[c].name, c))),
    ]);
    return { channels: CHANNELS.map((channel, i) => this.describe(channel, checks.get(providers[channel])!, health[i]!)) };
  }

  private describe(channel: Channel, check: CheckAnswer, health: ProviderHealthRow[]): ProviderStatus {
    const provider = this.deps.providers[channel];
    const { limits } = provider;
    const { sending } = this.deps.config;
    const perSecond = effectivePerSecond(sending.rateLimit[channel], limits.messagesPerSecond);
    const publicUrl = this.deps.config.publicUrl.replace(/\/+$/, '');
    return {
      channel,
      provider: provider.name,
      credentials: { ok: check.ok, detail: this.hide(check.detail), checkedAt: new Date(check.checkedAt).toISOString() },
      limits: {
        maxBatchSize: limits.maxBatchSize,
        messagesPerSecond: Number.isFinite(limits.messagesPerSecond) ? limits.messagesPerSecond : null,
        effectivePerSecond: Number.isFinite(perSecond) ? perSecond : null,
        maxConcurrentRequests: limits.maxConcurrentRequests,
        effectiveConcurrentRequests: sending.concurrency[channel] ?? limits.maxConcurrentRequests,
        rateNote: limits.rateNote === undefined ? null : this.hide(limits.rateNote),
        validitySeconds: limits.validityMs === undefined ? null : limits.validityMs / 1000,
      },
      breaker: this.breaker(health),
      webhookUrls: (provider.webhooks ?? []).map((w) => this.hideExact(`${publicUrl}/webhooks/${w.path.replace(/^\/+/, '')}`)),
    };
  }

  /** Open when any live sender's breaker is open; closed when all live ones are; unknown when none is alive. */
  private breaker(rows: ProviderHealthRow[]): ProviderStatus['breaker'] {
    const now = this.deps.now();
    const iso = (t: number) => new Date(t).toISOString();
    const live = rows.filter((r) => now - r.reportedAt <= HEALTH_STALE_MS);
    if (live.length === 0) {
      const last = rows[0];
      return {
        state: 'unknown',
        reason: last
          ? `no sender has reported since ${iso(last.reportedAt)}: none seems to be running (crier serve with CRIER_SENDER=true, or crier worker)`
          : 'no sender has reported yet: none has run since this was installed (crier serve with CRIER_SENDER=true, or crier worker)',
        since: null,
        reportedAt: last ? iso(last.reportedAt) : null,
        senders: 0,
      };
    }
    const open = live.filter((r) => r.state === 'open');
    const reportedAt = iso(Math.max(...live.map((r) => r.reportedAt)));
    if (open.length > 0) {
      const reason = open[0]!.reason ?? 'the provider failed every attempt';
      const senders = open.length === live.length ? '' : ` (${open.length} of ${live.length} senders)`;
      return { state: 'open', reason: this.hide(reason) + senders, since: iso(Math.min(...open.map((r) => r.since))), reportedAt, senders: live.length };
    }
    return { state: 'closed', reason: null, since: iso(Math.max(...live.map((r) => r.since))), reportedAt, senders: live.length };
  }

  /** One check per provider (one may serve both channels), reused for a while, bounded in time. */
  private check(provider: Provider, refresh: boolean): Promise<CheckAnswer> {
    const now = this.deps.now();
    const cached = this.checks.get(provider);
    if (cached && !refresh && now - cached.at < (this.deps.cacheMs ?? CHECK_CACHE_MS)) return cached.answer;
    const answer = this.runCheck(provider, now);
    this.checks.set(provider, { at: now, answer });
    return answer;
  }

  private async runCheck(provider: Provider, now: number): Promise<CheckAnswer> {
    if (!provider.check) return { ok: true, detail: `nothing to check: ${provider.name} offers no credentials check`, checkedAt: now };
    const timeoutMs = this.deps.checkTimeoutMs ?? CHECK_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ProviderCheck>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${formatMs(timeoutMs)}` }), timeoutMs);
    });
    try {
      const result = await Promise.race([provider.check(), timeout]);
      return { ok: result.ok === true, detail: String(result.detail), checkedAt: now };
    } catch (err) {
      return { ok: false, detail: `the check failed: ${(err as Error).message}`, checkedAt: now };
    } finally {
      clearTimeout(timer);
    }
  }

  /** A text that may come from a provider, without any secret. */
  private hide(text: string): string {
    return this.hideExact(text)
      .replace(/(\/\/[^/:@\s]+):[^@\s/]+@/g, '$1:[hidden]@')
      .replace(KEY_LIKE, (word) => ((/\d/.test(word) && /[A-Za-z]/.test(word)) || (/[a-z]/.test(word) && /[A-Z]/.test(word)) ? '[hidden]' : word));
  }

  private hideExact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('[hidden]');
    return out;
  }
}

/** Setting names that hold secrets even if no definition says so (a provider module's own). */
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD)$/;
/**
 * Runs shaped like API keys and tokens (base64url, hex, with - and _): SendGrid's, Twilio's,
 * Mailgun's. Hidden when they mix letters with digits or both cases; host names (split at dots,
 * lower case) and words stay.
 */
const KEY_LIKE = /[A-Za-z0-9_+=-]{20,}/g;

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** Review & Send's estimates: per channel with messages, at the rate the sender will hold to. */
export function sendEstimates(
  messages: Record<Channel, number | null>,
  providers: Providers,
  rateLimit: Record<Channel, number>,
): SendEstimate[] {
  return CHANNELS.filter((c) => messages[c] !== null).map((channel) => {
    const { limits, name } = providers[channel];
    return estimateSend({
      channel,
      messages: messages[channel]!,
      perSecond: effectivePerSecond(rateLimit[channel], limits.messagesPerSecond),
      ...(limits.validityMs === undefined ? {} : { validityMs: limits.validityMs }),
      provider: name,
    });
  });
}
