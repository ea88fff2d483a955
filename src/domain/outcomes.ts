// What the outcome views of a communication (DESIGN.md §4) list and how they page: the words
// their filters take and the page sizes. Pure, so the route schemas and the web UI share them.
import type { DeliveryState } from './message.js';

export const MESSAGE_TYPES = ['email', 'sms'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];
export const DELIVERY_STATES = ['delivered', 'failed', 'in_progress', 'no_report'] as const satisfies readonly DeliveryState[];

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
