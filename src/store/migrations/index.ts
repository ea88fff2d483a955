// The ordered list of migrations. Add a file and a line; never edit an applied one.
import type { Migration } from 'kysely';
import * as initial from './0001-initial.js';
import * as auth from './0002-auth.js';
import * as recipientRejections from './0003-recipient-rejections.js';
import * as sandboxMessages from './0004-sandbox-messages.js';
import * as sending from './0005-sending.js';
import * as delivery from './0006-delivery.js';
import * as outcomeIndexes from './0007-outcome-indexes.js';
import * as accountsUuidIndex from './0008-accounts-uuid-index.js';
import * as cancelStop from './0009-cancel-stop.js';
import * as communicationCounts from './0010-communication-counts.js';
import * as webhookTokens from './0011-webhook-tokens.js';
import * as providerHealth from './0012-provider-health.js';
import * as deliveryEventsLean from './0013-delivery-events-lean.js';
import * as deliveryEventKeys from './0014-delivery-event-keys.js';
import * as signInThrottle from './0015-sign-in-throttle.js';
import * as reportEventKey from './0016-report-event-key.js';
import * as progressOutcomes from './0017-progress-outcomes.js';

export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-auth': auth,
  '0003-recipient-rejections': recipientRejections,
  '0004-sandbox-messages': sandboxMessages,
  '0005-sending': sending,
  '0006-delivery': delivery,
  '0007-outcome-indexes': outcomeIndexes,
  '0008-accounts-uuid-index': accountsUuidIndex,
  '0009-cancel-stop': cancelStop,
  '0010-communication-counts': communicationCounts,
  '0011-webhook-tokens': webhookTokens,
  '0012-provider-health': providerHealth,
  '0013-delivery-events-lean': deliveryEventsLean,
  '0014-delivery-event-keys': deliveryEventKeys,
  '0015-sign-in-throttle': signInThrottle,
  '0016-report-event-key': reportEventKey,
  '0017-progress-outcomes': progressOutcomes,
};
