// SMS length as carriers bill it: the encoding a body needs and how many segments it takes.
import { SegmentedMessage } from 'sms-segments-calculator';

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsInfo {
  encoding: SmsEncoding;
  segments: number;
  /** Encoding units: GSM-7 septets (an extension character such as `€` takes two) or UTF-16 units. */
  characters: number;
}

export function smsInfo(body: string): SmsInfo {
  const message = new SegmentedMessage(body);
  const encoding = message.encodingName;
  // messageSize excludes the concatenation headers, so it divides evenly into units.
  const characters = message.messageSize / (encoding === 'GSM-7' ? 7 : 16);
  return { encoding, segments: body === '' ? 0 : message.segmentsCount, characters };
}
