// How long a send will take, for Review & Send and the command line's confirmation: messages at
// the rate the sender will hold them to, and a warning when SMS would still be going out after
// the provider has dropped the first ones (Twilio keeps an undelivered SMS for its validity
// period, 4 h by default, then drops it). Pure: the caller brings the numbers.

export type EstimateChannel = 'email' | 'sms';

export interface SendEstimateInput {
  channel: EstimateChannel;
  messages: number;
  /** Messages per second the sender holds to; Infinity (or 0) when there is no limit. */
  perSecond: number;
  /** How long the provider keeps a message before dropping it, if it says. */
  validityMs?: number;
  /** The provider's name, for the warning: `twilio`. */
  provider?: string;
}

export interface SendEstimate {
  channel: EstimateChannel;
  messages: number;
  /** null: no rate limit, as fast as the provider accepts. */
  perSecond: number | null;
  /** null when there is no rate limit to estimate from. */
  seconds: number | null;
  /** "25,000 SMS at 3 per second: about 2 h 19 min". */
  text: string;
  /** Set when the last messages would go out after the provider's validity period. */
  warning: string | null;
}

/** The rate the sender holds a channel to: the operator's limit, else the provider's own (as the dispatcher does). */
export function effectivePerSecond(operatorLimit: number, providerLimit: number): number {
  return operatorLimit > 0 ? operatorLimit : providerLimit > 0 ? providerLimit : Infinity;
}

export function estimateSend(input: SendEstimateInput): SendEstimate {
  const { channel, messages } = input;
  const limited = Number.isFinite(input.perSecond) && input.perSecond > 0;
  const perSecond = limited ? input.perSecond : null;
  const what = messagesText(channel, messages);
  if (messages === 0) return { channel, messages, perSecond, seconds: 0, text: `${what}: nothing to send`, warning: null };
  if (perSecond === null) {
    return { channel, messages, perSecond, seconds: null, text: `${what}, no rate limit: as fast as the provider accepts`, warning: null };
  }
  const seconds = messages / perSecond;
  const took = `about ${formatSeconds(seconds)}`;
  const text = `${what} at ${number(perSecond)} per second: ${took}`;
  const validity = input.validityMs;
  const warning =
    validity !== undefined && validity > 0 && seconds * 1000 > validity
      ? `${what} at ${number(perSecond)} per second take ${took}, longer than the ${formatSeconds(validity / 1000)} ${providerName(input.provider)} keeps ` +
        `${channel === 'sms' ? 'an SMS' : 'an email'} before dropping it: the last ones may never arrive. Raise the rate limit or send to fewer accounts at a time`
      : null;
  return { channel, messages, perSecond, seconds: Math.ceil(seconds), text, warning };
}

/** A duration for people: "10 s", "6 min 40 s", "42 min", "2 h 19 min", "1 d 3 h". */
export function formatSeconds(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds - 1e-9));
  if (s < 60) return `${s} s`;
  if (s < 600) {
    const rest = s % 60;
    return rest === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${rest} s`;
  }
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 24 * 60) {
    const rest = minutes % 60;
    return rest === 0 ? `${minutes / 60} h` : `${Math.floor(minutes / 60)} h ${rest} min`;
  }
  const hours = Math.round(minutes / 60);
  const rest = hours % 24;
  return rest === 0 ? `${hours / 24} d` : `${Math.floor(hours / 24)} d ${rest} h`;
}

function messagesText(channel: EstimateChannel, messages: number): string {
  return `${number(messages)} ${channel === 'sms' ? 'SMS' : messages === 1 ? 'email' : 'emails'}`;
}

function number(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

function providerName(name: string | undefined): string {
  if (!name) return 'the provider';
  return name.charAt(0).toUpperCase() + name.slice(1);
}
