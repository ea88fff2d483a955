// Compiled content per communication, loaded once per worker: a sent communication's content
// never changes (only drafts are editable), so the cache needs no invalidation.
import type { Content } from '../content/content.js';
import type { CompiledContent, ContentRenderer } from '../content/render.js';
import type { SqlExec } from '../store/engine/sql-exec.js';
import { contentOf } from '../store/templates.queries.js';

export interface SendableContent {
  name: string;
  content: Content;
  compiled: CompiledContent;
}

export class ContentCache {
  private readonly entries = new Map<number, Promise<SendableContent>>();

  constructor(
    private readonly exec: SqlExec,
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
    const [row] = await this.exec.all<{ name: string; default_language: string; email: string | null; sms: string | null }>(
      `SELECT name, default_language, email, sms FROM communications WHERE id = ?`,
      [id],
    );
    if (!row) throw new Error(`communication ${id} vanished while sending`);
    const content = contentOf(row);
    return { name: row.name, content, compiled: this.renderer.compile(content) };
  }
}
