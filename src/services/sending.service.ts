// Send and Cancel: the two transitions an operator makes (DESIGN.md §2). Send is refused while
// the review finds blockers; two Sends (or Cancels) at once produce exactly one transition.
import type { Actor } from '../domain/actor.js';
import { CrierError } from '../domain/errors.js';
import { cancelSending, startSending } from '../store/engine/launch.queries.js';
import type { SqlExec } from '../store/engine/sql-exec.js';
import type { CommunicationsService, CommunicationView } from './communications.service.js';
import { notDraft } from './communications.service.js';
import type { ReviewService } from './review.service.js';

export class SendingService {
  /** Set by whoever runs a dispatcher in this process, so Send starts work without polling delay. */
  onWork: (() => void) | null = null;

  constructor(
    private readonly deps: {
      exec: SqlExec;
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
    if (!(await startSending(this.deps.exec, id, before.version, actor, this.now()))) {
      const now = await this.deps.communications.get(id);
      if (now.status !== 'draft') throw notDraft(id, now.status, 'sent');
      throw new CrierError('stale_version', `Communication ${id} changed while it was being sent; review it again`, { currentVersion: now.version });
    }
    this.onWork?.();
    return this.deps.communications.get(id);
  }

  async cancel(id: number, actor: Actor): Promise<CommunicationView> {
    const stopped = await cancelSending(this.deps.exec, id, actor, this.now());
    if (stopped === null) {
      const current = await this.deps.communications.get(id);
      throw new CrierError(
        'invalid_transition',
        `Communication ${id} is ${current.status.replace('_', ' ')}: only a communication in progress can be cancelled`,
        { id, status: current.status },
      );
    }
    return this.deps.communications.get(id);
  }
}
