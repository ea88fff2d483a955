// Who gets what (DESIGN.md §5): per account and channel, whether a message is sent, to which
// address and in which language, or why not.

export type AudienceChannel = 'email' | 'sms';

/** Why a channel sends nothing to an account. `no_content` is the communication's choice, not a failure. */
export type SkipReason = 'no_content' | 'no_address' | 'consent_withdrawn' | 'suppressed';

export interface AudienceAccount {
  email: string | null;
  phone: string | null;
  emailConsent: boolean;
  smsConsent: boolean;
  language: string | null;
}

/** The part of a communication's content the plan reads: which languages each channel has. */
export interface AudienceContent {
  defaultLanguage: string;
  email: Readonly<Record<string, unknown>> | null;
  sms: Readonly<Record<string, unknown>> | null;
}

export interface Suppressed {
  email: boolean;
  sms: boolean;
}

export type ChannelDecision =
  { send: true; address: string; language: string } | { send: false; reason: SkipReason };

export type ChannelPlan = Record<AudienceChannel, ChannelDecision>;

export interface Unreachable {
  code: 'no_reachable_channel';
  reasons: Record<AudienceChannel, SkipReason>;
}

/**
 * The language to send in: the account's own if there is content in it, else the nearest
 * broader tag that has content (`fr-CA` → `fr`), else the default. Tags compare
 * case-insensitively; the result is spelled as in `available`.
 */
export function chooseLanguage(
  accountLanguage: string | null,
  available: readonly string[],
  defaultLanguage: string,
): string {
  const byLower = new Map(available.map((tag) => [tag.toLowerCase(), tag]));
  const subtags = accountLanguage ? accountLanguage.toLowerCase().split(/[-_]/) : [];
  while (subtags.length > 0) {
    const found = byLower.get(subtags.join('-'));
    if (found !== undefined) return found;
    subtags.pop();
    // RFC 4647 lookup: a singleton (`x`, `u`) never ends a tag, so drop it with what it introduced.
    if (subtags.at(-1)?.length === 1) subtags.pop();
  }
  return byLower.get(defaultLanguage.toLowerCase()) ?? defaultLanguage;
}

function decide(
  versions: Readonly<Record<string, unknown>> | null,
  address: string | null,
  consent: boolean,
  suppressed: boolean,
  account: AudienceAccount,
  defaultLanguage: string,
): ChannelDecision {
  if (versions === null) return { send: false, reason: 'no_content' };
  if (address === null || address === '') return { send: false, reason: 'no_address' };
  if (!consent) return { send: false, reason: 'consent_withdrawn' };
  if (suppressed) return { send: false, reason: 'suppressed' };
  const language = chooseLanguage(account.language, Object.keys(versions), defaultLanguage);
  return { send: true, address, language };
}

export function channelPlan(
  account: AudienceAccount,
  content: AudienceContent,
  suppressed: Suppressed,
): ChannelPlan {
  const { defaultLanguage } = content;
  return {
    email: decide(
      content.email,
      account.email,
      account.emailConsent,
      suppressed.email,
      account,
      defaultLanguage,
    ),
    sms: decide(
      content.sms,
      account.phone,
      account.smsConsent,
      suppressed.sms,
      account,
      defaultLanguage,
    ),
  };
}

/** Null when the plan sends at least one message; otherwise why each channel sends none. */
export function unreachable(plan: ChannelPlan): Unreachable | null {
  if (plan.email.send || plan.sms.send) return null;
  return {
    code: 'no_reachable_channel',
    reasons: { email: plan.email.reason, sms: plan.sms.reason },
  };
}
