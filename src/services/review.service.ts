// The Review & Send step (DESIGN.md §5.5): how many messages go out per channel and language,
// who receives nothing and why, content errors and warnings, and whether Send is allowed.
import type { Content, ContentError } from '../content/content.js';
import { RenderFailedError, type ContentRenderer } from '../content/render.js';
import { SAMPLE_ACCOUNT } from '../content/sample-account.js';
import { smsInfo, type SmsInfo } from '../content/sms.js';
import { channelPlan, chooseLanguage, type AudienceChannel, type SkipReason } from '../domain/audience.js';
import { audienceGroups, recipientRanges, recipientsMissingAttributes, suppressedByReason, unreachableSample } from '../store/review.queries.js';
import type { SuppressionReason } from '../domain/delivery.js';
import type { Store } from '../store/store.js';
import type { CommunicationsService } from './communications.service.js';
import { sendEstimates } from './providers.service.js';
import type { SendEstimate } from '../domain/send-estimate.js';
import type { Providers } from '../providers/registry.js';

export interface ChannelCount {
  total: number;
  byLanguage: Record<string, number>;
}

/** Recipients a channel skips because their address is suppressed, by the suppression's reason. */
export interface SuppressedCount {
  total: number;
  byReason: Partial<Record<SuppressionReason, number>>;
  /** As the Review step says it: "312 email addresses suppressed: 280 unsubscribed, 30 hard bounces, 2 complaints". */
  message: string;
}

export interface ReviewWarning {
  code: 'missing_translation' | 'long_sms' | 'missing_attribute';
  message: string;
  channel?: AudienceChannel;
  language?: string;
  accounts?: number;
}

export interface Review {
  communicationId: number;
  status: string;
  recipients: number;
  messages: { total: number; email: ChannelCount | null; sms: ChannelCount | null };
  receivingNothing: {
    total: number;
    groups: { reasons: Record<AudienceChannel, SkipReason>; accounts: number }[];
    sample: { accountId: string; name: string; line: number; reasons: Record<AudienceChannel, SkipReason> }[];
  };
  /** Per channel with content (null without): recipients skipped as suppressed, and why. */
  suppressed: { email: SuppressedCount | null; sms: SuppressedCount | null };
  contentErrors: ContentError[];
  warnings: ReviewWarning[];
  sms: Record<string, SmsInfo>;
  /** How long sending will take per channel, at the rate the sender holds to (with a warning when SMS would expire). */
  estimates: SendEstimate[];
  canSend: boolean;
  blockers: { code: string; message: string }[];
}

const SAMPLE_SIZE = 100;

export class ReviewService {
  constructor(
    private readonly deps: {
      store: Store;
      renderer: ContentRenderer;
      communications: CommunicationsService;
      smsSegmentWarning: number;
      providers: Providers;
      /** The operator's rate limits (0: the provider's own). */
      rateLimit: { email: number; sms: number };
    },
  ) {}

  async review(id: number): Promise<Review> {
    const { store, renderer } = this.deps;
    const communication = await this.deps.communications.get(id);
    const content = communication.content;
    const checked = content.email || content.sms ? renderer.check(content) : [];
    // Content that hits a render limit for the sample account would fail for every recipient,
    // each message holding the sender that long: an error now, not a thousand failures later.
    const sample = checked.length === 0 ? await this.renderSample(content, communication.name) : { errors: [], sms: {} };
    const contentErrors = [...checked, ...sample.errors];
    const ranges = await recipientRanges(store.db, store.dialect, id);
    const groups = await audienceGroups(store.db, id, ranges);

    const email: ChannelCount | null = content.email ? { total: 0, byLanguage: {} } : null;
    const sms: ChannelCount | null = content.sms ? { total: 0, byLanguage: {} } : null;
    const nothing = new Map<string, { reasons: Record<AudienceChannel, SkipReason>; accounts: number }>();
    const fallbacks = new Map<string, ReviewWarning>();
    let recipients = 0;
    for (const g of groups) {
      recipients += g.count;
      const plan = channelPlan(
        { email: g.hasEmail ? 'x' : null, phone: g.hasPhone ? 'x' : null, emailConsent: g.emailConsent, smsConsent: g.smsConsent, language: g.language },
        content,
        { email: g.emailSuppressed, sms: g.smsSuppressed },
      );
      for (const channel of ['email', 'sms'] as const) {
        const decision = plan[channel];
        const counts = channel === 'email' ? email : sms;
        if (!decision.send || !counts) continue;
        counts.total += g.count;
        counts.byLanguage[decision.language] = (counts.byLanguage[decision.language] ?? 0) + g.count;
        noteFallback(fallbacks, channel, g.language, decision.language, content, g.count);
      }
      if (!plan.email.send && !plan.sms.send) {
        const reasons = { email: plan.email.reason, sms: plan.sms.reason };
        const key = `${reasons.email}/${reasons.sms}`;
        const entry = nothing.get(key) ?? { reasons, accounts: 0 };
        entry.accounts += g.count;
        nothing.set(key, entry);
      }
    }

    const suppressed = {
      email: content.email ? suppressedCount('email', await suppressedByReason(store.db, id, ranges, 'email')) : null,
      sms: content.sms ? suppressedCount('sms', await suppressedByReason(store.db, id, ranges, 'sms')) : null,
    };

    const warnings: ReviewWarning[] = [...fallbacks.values()];
    const smsLengths = sample.sms;
    for (const [language, info] of Object.entries(smsLengths)) {
      if (info.segments > this.deps.smsSegmentWarning) {
        warnings.push({
          code: 'long_sms',
          channel: 'sms',
          language,
          message: `The ${language} SMS takes ${info.segments} segments (${info.encoding}); each is billed`,
        });
      }
    }
    const attributes = contentErrors.length === 0 ? renderer.referencedAttributes(content) : [];
    for (const [name, accounts] of await recipientsMissingAttributes(store.db, store.dialect, id, ranges, attributes)) {
      warnings.push({
        code: 'missing_attribute',
        accounts,
        message: `${accounts} recipients have no attribute "${name}": their messages fail unless the merge tag has a default`,
      });
    }

    const unreachableTotal = [...nothing.values()].reduce((sum, g) => sum + g.accounts, 0);
    const unreachable =
      unreachableTotal === 0
        ? []
        : (await unreachableSample(store.db, id, ranges, { email: content.email !== null, sms: content.sms !== null }, SAMPLE_SIZE)).map((s) => {
            const plan = channelPlan({ ...s, language: null }, content, { email: s.emailSuppressed, sms: s.smsSuppressed });
            const reasons = {
              email: plan.email.send ? ('no_content' as const) : plan.email.reason,
              sms: plan.sms.send ? ('no_content' as const) : plan.sms.reason,
            };
            return { accountId: s.uuid, name: [s.firstName, s.lastName].filter(Boolean).join(' '), line: s.line, reasons };
          });
    const total = (email?.total ?? 0) + (sms?.total ?? 0);
    const blockers = [
      ...(communication.status !== 'draft' ? [{ code: 'not_draft', message: `The communication is ${communication.status}` }] : []),
      ...(!content.email && !content.sms ? [{ code: 'no_content', message: 'There is no email or SMS content yet' }] : []),
      ...(contentErrors.length > 0 ? [{ code: 'content_errors', message: `The content has ${contentErrors.length} error(s)` }] : []),
      ...(recipients === 0 ? [{ code: 'no_recipients', message: 'No recipients: upload the accounts CSV' }] : []),
      ...(recipients > 0 && total === 0 ? [{ code: 'no_messages', message: 'None of the recipients can receive this communication' }] : []),
    ];
    return {
      communicationId: id,
      status: communication.status,
      recipients,
      messages: { total, email, sms },
      receivingNothing: { total: unreachableTotal, groups: [...nothing.values()].sort((a, b) => b.accounts - a.accounts), sample: unreachable },
      suppressed,
      contentErrors,
      warnings,
      sms: smsLengths,
      estimates: sendEstimates({ email: email?.total ?? null, sms: sms?.total ?? null }, this.deps.providers, this.deps.rateLimit),
      canSend: blockers.length === 0,
      blockers,
    };
  }

  /**
   * Every version rendered for the sample account under the limits messages are sent under: the
   * limits it hits, as content errors, and the segments of each SMS. Other failures (an attribute
   * the sample lacks) are not errors: the `missing_attribute` warning counts the recipients.
   */
  private async renderSample(content: Content, name: string): Promise<{ errors: ContentError[]; sms: Record<string, SmsInfo> }> {
    const { renderer } = this.deps;
    const compiled = renderer.compile(content);
    // With every attribute the content reads, so that no missing value ends a render before a
    // loop further on has run.
    const attributes = Object.fromEntries(renderer.referencedAttributes(content).map((a) => [a, `sample ${a}`]));
    const account = { ...SAMPLE_ACCOUNT, attributes: { ...attributes, ...SAMPLE_ACCOUNT.attributes } };
    const ctx = { account, communication: { name }, unsubscribeUrl: 'https://crier.invalid/unsubscribe/review' };
    const errors: ContentError[] = [];
    const sms: Record<string, SmsInfo> = {};
    const versions = [
      ...Object.keys(content.email ?? {}).map((language) => ['email', language] as const),
      ...Object.keys(content.sms ?? {}).map((language) => ['sms', language] as const),
    ];
    for (const [channel, language] of versions) {
      try {
        if (channel === 'email') renderer.renderEmail(compiled, language, ctx);
        else sms[language] = smsInfo(renderer.renderSms(compiled, language, ctx).body);
      } catch (err) {
        if (!(err instanceof RenderFailedError)) throw err;
        if (err.reason === 'limit_exceeded') errors.push(limitError(err, renderer.limits));
      }
      // Each render may hold the thread up to the limit: let requests in between.
      await breathe();
    }
    return { errors, sms };
  }
}

const breathe = () => new Promise((resolve) => setImmediate(resolve));

function limitError(err: RenderFailedError, limits: ContentRenderer['limits']): ContentError {
  const message = err.limit === 'memory'
    ? `Rendering for the sample account allocates more than ${limits.memoryLimit.toLocaleString('en')} characters (the memory limit of one message): every message would fail; shorten the loops or strings`
    : `Rendering for the sample account takes longer than ${limits.renderLimit} ms (CRIER_RENDER_LIMIT_MS, the time one message may take): every message would fail; shorten or remove the loops`;
  return { ...err.where, ...err.at, code: 'limit_exceeded', message };
}

/** Each reason as the review's sentence counts it: one, many. */
const REASON_WORDS: Record<SuppressionReason, [string, string]> = {
  unsubscribed: ['unsubscribed', 'unsubscribed'],
  hard_bounce: ['hard bounce', 'hard bounces'],
  complaint: ['complaint', 'complaints'],
  sms_stop: ['replied STOP', 'replied STOP'],
  manual: ['added by an operator', 'added by operators'],
};

function suppressedCount(channel: AudienceChannel, counts: Map<string, number>): SuppressedCount {
  const byReason: Partial<Record<SuppressionReason, number>> = {};
  let total = 0;
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  for (const [reason, n] of sorted) {
    byReason[reason as SuppressionReason] = n;
    total += n;
  }
  const what = channel === 'email' ? (total === 1 ? 'email address' : 'email addresses') : total === 1 ? 'phone number' : 'phone numbers';
  const parts = sorted.map(([reason, n]) => {
    const words = REASON_WORDS[reason as SuppressionReason] ?? [reason, reason];
    return `${n} ${n === 1 ? words[0] : words[1]}`;
  });
  return { total, byReason, message: total === 0 ? `No ${channel === 'email' ? 'email address' : 'phone number'} is suppressed` : `${total} ${what} suppressed: ${parts.join(', ')}` };
}

/** A warning when accounts of some language get the default language's version instead. */
function noteFallback(
  warnings: Map<string, ReviewWarning>,
  channel: AudienceChannel,
  accountLanguage: string | null,
  chosen: string,
  content: Content,
  count: number,
): void {
  if (!accountLanguage) return;
  const base = accountLanguage.split('-')[0]!.toLowerCase();
  if (chosen.toLowerCase() === accountLanguage.toLowerCase() || chosen.toLowerCase() === base) return;
  const available = Object.keys(content[channel] ?? {});
  if (chooseLanguage(accountLanguage, available, content.defaultLanguage) !== chosen) return;
  const key = `${channel}/${accountLanguage}`;
  const existing = warnings.get(key);
  if (existing) existing.accounts = (existing.accounts ?? 0) + count;
  else
    warnings.set(key, {
      code: 'missing_translation',
      channel,
      language: accountLanguage,
      accounts: count,
      message: `No ${channel} version in ${accountLanguage}: those accounts get the ${chosen} version`,
    });
}
