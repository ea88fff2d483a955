// The sending engine's store (src/sending/sending-store.ts), put together from the statements of
// each concern in this folder, over one executor: prepared statements on this thread's SQLite
// handle, or the PostgreSQL pool.
//
// The lock order of every transaction here, on PostgreSQL (SQLite has one writer at a time,
// taken at BEGIN IMMEDIATE, so nothing there can deadlock):
//
//   1. messages, ascending id (UPDATE … or SELECT … FOR UPDATE);
//   2. delivery_event_keys, then delivery_events;
//   3. communication_counts (counts.sql.ts), one shard row a communication, in communication order;
//   4. communications (a status, a cursor, a flag), each by one guarded UPDATE;
//   5. suppressions; 6. audit_log (inserts only).
//
// Why: Cancel used to lock the communication and then update its queued messages, while
// recording a batch updated messages and then the communication's counters, on the same row.
// Cancel's UPDATE of a large communication reads the rows as of its own start, so it also waited
// for rows that had been queued then and were being recorded as sent now, while the recording
// waited for the row Cancel held: "deadlock detected", a 500 to the user, and the send went on.
// Now Cancel writes the communication's row alone (and an audit row), and its queued messages are
// stopped afterwards, messages first (launch.sql.ts). The counters left that row for rows of
// their own, in shards: every recorded batch and delivery report used to update it, so workers
// queued on it for seconds, and Cancel behind them. The expansion inserts only new message rows
// (no one else can see them yet) under an advisory lock that keeps other workers off the same
// communication. The claim locks no communication and never waits (it skips locked messages);
// the dispatcher re-reads the statuses once its claim has committed. A deadlock or serialization
// failure that still happens is retried by the executor (sql-exec.ts), never shown to the user.
import type { SendingStore } from '../../sending/sending-store.js';
import { accountsForRender } from './accounts.sql.js';
import { applyMatched, ingestEvents, markNoReport, matchableEventIds } from './delivery.sql.js';
import {
  claimBatch,
  completeFinished,
  expandedInProgress,
  notInProgress,
  reapExpiredLeases,
  recordOutcomes,
  recordProgressSample,
  sendableContent,
  setWaitReason,
} from './dispatch.sql.js';
import { reportProviderHealth } from './provider-health.sql.js';
import { cancelSending, completeIfFinished, expandChunk, pendingExpansions, startSending, stopQueued, stoppingCommunications } from './launch.sql.js';
import { takeTokens } from './rate-limit.sql.js';
import type { SqlExec } from './sql-exec.js';
import { addSuppression, messageAddress } from './suppressions.sql.js';

export function sendingStore(exec: SqlExec): SendingStore {
  return {
    launch: {
      start: (id, version, actor, now) => startSending(exec, id, version, actor, now),
      cancel: (id, actor, now) => cancelSending(exec, id, actor, now),
      pendingExpansions: () => pendingExpansions(exec),
      expandChunk: (id, content, choose, chunkSize, now) => expandChunk(exec, id, content, choose, chunkSize, now),
      completeIfFinished: (id, now) => completeIfFinished(exec, id, now),
      stopping: () => stoppingCommunications(exec),
      stopQueued: (id, limit) => stopQueued(exec, id, limit),
    },
    dispatch: {
      claim: (channel, owner, limit, now, leaseMs) => claimBatch(exec, channel, owner, limit, now, leaseMs),
      notInProgress: (ids) => notInProgress(exec, ids),
      record: (owner, provider, outcomes, now) => recordOutcomes(exec, owner, provider, outcomes, now),
      reapExpiredLeases: (now) => reapExpiredLeases(exec, now),
      completeSettled: async (now) => completeFinished(exec, await expandedInProgress(exec), now),
      sampleProgress: (id, now) => recordProgressSample(exec, id, now),
      setWaitReason: (reason) => setWaitReason(exec, reason),
      setProviderHealth: (report, now) => reportProviderHealth(exec, report, now),
      accountsForRender: (ids) => accountsForRender(exec, ids),
      content: (id) => sendableContent(exec, id),
    },
    rateLimit: {
      take: (provider, count, perSecond, now) => takeTokens(exec, provider, count, perSecond, now),
    },
    delivery: {
      ingest: (events, now, load) => exec.transaction((tx) => ingestEvents(tx, events, now, load)),
      matchableEventIds: (since, limit) => matchableEventIds(exec, since, limit),
      applyMatched: (ids, now) => exec.transaction((tx) => applyMatched(tx, ids, now)),
      markNoReport: (sentBefore, limit, now) => markNoReport(exec, sentBefore, limit, now),
    },
    suppressions: {
      add: (s, actor, now) => exec.transaction((tx) => addSuppression(tx, s, actor, now)),
      messageAddress: (id) => messageAddress(exec, id),
    },
  };
}
