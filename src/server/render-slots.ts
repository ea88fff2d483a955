// Renders answer on the server's own thread, each holding it up to the render limit. A few per
// user at a time keeps one user (a viewer, a script) from lining up enough of them to stall
// every other request; the rest are refused at once, not queued.
import type { FastifyReply } from 'fastify';
import type { Actor } from '../domain/actor.js';
import { CrierError } from '../domain/errors.js';

export class RenderSlots {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly perUser: number) {}

  /** Runs `work` in one of the caller's slots; 429 when all of them are taken. */
  async run<T>(actor: Actor, reply: FastifyReply, work: () => Promise<T>): Promise<T> {
    const key = actor.userId === null ? `actor:${actor.label}` : `user:${actor.userId}`;
    const taken = this.inFlight.get(key) ?? 0;
    if (taken >= this.perUser) {
      void reply.header('retry-after', '1');
      throw new CrierError(
        'rate_limited',
        `You already have ${taken} previews, test sends or reviews rendering (CRIER_PREVIEWS_PER_USER = ${this.perUser}): try again when they are done`,
        { setting: 'CRIER_PREVIEWS_PER_USER', limit: this.perUser, retryAfterSeconds: 1 },
      );
    }
    this.inFlight.set(key, taken + 1);
    try {
      return await work();
    } finally {
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left === 0) this.inFlight.delete(key);
      else this.inFlight.set(key, left);
    }
  }
}
