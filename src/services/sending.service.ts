// Send and Cancel: the two transitions an operator makes (DESIGN.md §2). Send is refused while
// the review finds blockers; two Sends (or Cancels) at once produce exactly one transition.
import type { Actor } from '../domain/actor.js';
import { CrierError } from '../domain/errors.js';
import type { LaunchStore } from '../sending/sending-store.js';
import type { WorkSignal } from '../sending/work-signal.js';
import type { CommunicationsService, CommunicationView } from './communications.service.js';
import { notDraft } from './communications.service.js';
import type { ReviewService } from './review.service.js';

export class SendingService {
  constructor(
    private readonly deps: {
      store: LaunchStore;
      /** Rung after Send and Cancel, so a sender in this process starts at once instead of at its next poll. */
      signal: WorkSignal;
      communications: CommunicationsService;
      review: ReviewService;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  async send(id: number, actor: Actor): Promise<CommunicationView> {
    const before = await this.deps.communications.get(id);
    if (before.status !== 'draft') throw notDraft(id, before.status, 'sent');
    const review = await this.deps.review.review(id);
    // Another Send may have won meanwhile: that is a refused transition, not a content problem.
    if (review.status !== 'draft') throw notDraft(id, review.status, 'sent');
    if (!review.canSend) {
      throw new CrierError('send_refused', `Cannot send yet: ${review.blockers.map((b) => b.message).join('; ')}`, { blockers: review.blockers });
    }
    if (!(await this.deps.store.start(id, before.version, actor, this.now()))) {
      const now = await this.deps.communications.get(id);
      if (now.status !== 'draft') throw notDraft(id, now.status, 'sent');
      throw new CrierError('stale_version', `Communication ${id} changed while it was being sent; review it again`, { currentVersion: now.version });
    }
    this.deps.signal.ring();
    return this.deps.communications.get(id);
  }

  async cancel(id: number, actor: Actor): Promise<CommunicationView> {
    if (!(await this.deps.store.cancel(id, actor, this.now()))) {
      const current = await this.deps.communications.get(id);
      throw new CrierError(
        'invalid_transition',
        `Communication ${id} is ${current.status.replace('_', ' ')}: only a communication in progress can be cancelled`,
        { id, status: current.status },
      );
    }
    // A sender stops the queued messages next (they can no longer be claimed already).
    this.deps.signal.ring();
    return this.deps.communications.get(id);
  }
}
