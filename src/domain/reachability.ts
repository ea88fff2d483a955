// Whether an uploaded recipient can be reached at all. The draft may have no content yet when its
// recipients are uploaded, so both channels are judged as if it had both; the per-channel rule
// itself is audience.ts's, so this verdict never disagrees with what sending will do.
import {
  channelPlan,
  unreachable,
  type AudienceAccount,
  type AudienceChannel,
  type AudienceContent,
  type SkipReason,
  type Suppressed,
} from './audience.js';

/** Content on both channels; the language is not judged here, so any default does. */
const BOTH_CHANNELS: AudienceContent = { defaultLanguage: 'en', email: {}, sms: {} };

const PHRASES: Record<AudienceChannel, Record<SkipReason, string>> = {
  email: {
    no_address: 'no email',
    consent_withdrawn: 'email consent withdrawn',
    suppressed: 'email suppressed',
    no_content: 'no email content',
  },
  sms: {
    no_address: 'no phone',
    consent_withdrawn: 'SMS consent withdrawn',
    suppressed: 'phone suppressed',
    no_content: 'no SMS content',
  },
};

const SAME_ON_BOTH: Record<SkipReason, string> = {
  no_address: 'no email and no phone',
  consent_withdrawn: 'consent withdrawn',
  suppressed: 'suppressed',
  no_content: 'no content',
};

/** Null when at least one channel could reach the account; otherwise why none can, in words. */
export function unreachableDetail(account: AudienceAccount, suppressed: Suppressed): string | null {
  const verdict = unreachable(channelPlan(account, BOTH_CHANNELS, suppressed));
  return verdict === null ? null : describeUnreachable(verdict.reasons);
}

/** "no email and no phone" when both channels fail alike, else "email suppressed; no phone". */
export function describeUnreachable(reasons: Record<AudienceChannel, SkipReason>): string {
  if (reasons.email === reasons.sms) return SAME_ON_BOTH[reasons.email];
  return `${PHRASES.email[reasons.email]}; ${PHRASES.sms[reasons.sms]}`;
}
