// Compiled content per communication, loaded once per worker: a sent communication's content
// never changes (only drafts are editable), so the cache needs no invalidation.
import type { Content } from '../content/content.js';
import type { CompiledContent, ContentRenderer } from '../content/render.js';
import type { DispatchStore } from './sending-store.js';

export interface SendableContent {
  name: string;
  content: Content;
  compiled: CompiledContent;
}

export class ContentCache {
  private readonly entries = new Map<number, Promise<SendableContent>>();

  constructor(
    private readonly store: Pick<DispatchStore, 'content'>,
    private readonly renderer: ContentRenderer,
  ) {}

  get(communicationId: number): Promise<SendableContent> {
    let entry = this.entries.get(communicationId);
    if (!entry) {
      entry = this.load(communicationId);
      this.entries.set(communicationId, entry);
      entry.catch(() => this.entries.delete(communicationId));
    }
    return entry;
  }

  /** Drops finished communications so a long-running worker does not hold every one. */
  forget(communicationId: number): void {
    this.entries.delete(communicationId);
  }

  private async load(id: number): Promise<SendableContent> {
    const found = await this.store.content(id);
    if (!found) throw new Error(`communication ${id} vanished while sending`);
    return { name: found.name, content: found.content, compiled: this.renderer.compile(found.content) };
  }
}
