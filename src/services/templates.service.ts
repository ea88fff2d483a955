// Templates: reusable content that drafts copy. Editing or deleting one never touches a
// communication made from it (the communication holds its own copy).
import { z } from 'zod';
import type { Content, ContentError } from '../content/content.js';
import type { ContentRenderer } from '../content/render.js';
import type { Actor } from '../domain/actor.js';
import { CrierError } from '../domain/errors.js';
import { recordAudit } from '../store/audit.queries.js';
import type { Store } from '../store/store.js';
import {
  contentColumns,
  contentOf,
  deleteTemplate,
  findTemplate,
  findTemplateByName,
  insertTemplate,
  listTemplates,
  updateTemplate,
  type TemplateRow,
} from '../store/templates.queries.js';
import { nameSchema, parseContent, parseOrThrow } from './content-input.js';

export interface TemplateView extends Content {
  id: number;
  name: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Merge-tag problems: saved anyway (a template can be work in progress), refused at review. */
  contentErrors: ContentError[];
}

const templateInput = z.object({ name: nameSchema }).passthrough();

export class TemplatesService {
  constructor(private readonly deps: { store: Store; renderer: ContentRenderer; now?: () => number }) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private view(row: TemplateRow): TemplateView {
    const content = contentOf(row);
    return {
      id: Number(row.id),
      name: row.name,
      ...content,
      version: Number(row.version),
      createdAt: new Date(Number(row.created_at)).toISOString(),
      updatedAt: new Date(Number(row.updated_at)).toISOString(),
      contentErrors: this.deps.renderer.check(content),
    };
  }

  async list(): Promise<TemplateView[]> {
    return (await listTemplates(this.deps.store.db)).map((row) => this.view(row));
  }

  async get(id: number): Promise<TemplateView> {
    const row = await findTemplate(this.deps.store.db, id);
    if (!row) throw new CrierError('not_found', `No template with id ${id}`, { id });
    return this.view(row);
  }

  async create(input: unknown, actor: Actor): Promise<TemplateView> {
    const { name } = parseOrThrow(templateInput, input, 'template');
    const content = parseContent(input);
    const now = this.now();
    const id = await this.deps.store.db.transaction().execute(async (trx) => {
      const created = await insertTemplate(trx, name, content, actor.userId, now);
      await recordAudit(trx, actor, { action: 'template.created', targetType: 'template', targetId: created, summary: `Created template "${name}"` }, now);
      return created;
    });
    return this.get(id);
  }

  /** Replaces name and content; `version` must be the one the caller read. */
  async update(id: number, input: unknown, actor: Actor): Promise<TemplateView> {
    const { name, version } = parseOrThrow(templateInput.extend({ version: z.number().int().positive() }), input, 'template');
    const content = parseContent(input);
    const now = this.now();
    await this.deps.store.db.transaction().execute(async (trx) => {
      if (!(await updateTemplate(trx, id, version, name, content, now))) {
        const current = await findTemplate(trx, id);
        if (!current) throw new CrierError('not_found', `No template with id ${id}`, { id });
        throw new CrierError('stale_version', `Template ${id} was changed meanwhile (version ${current.version}, not ${version}); reload it`, {
          currentVersion: Number(current.version),
        });
      }
      await recordAudit(trx, actor, { action: 'template.updated', targetType: 'template', targetId: id, summary: `Updated template "${name}"` }, now);
    });
    return this.get(id);
  }

  async delete(id: number, actor: Actor): Promise<void> {
    await this.deps.store.db.transaction().execute(async (trx) => {
      const row = await findTemplate(trx, id);
      if (!row || !(await deleteTemplate(trx, id))) throw new CrierError('not_found', `No template with id ${id}`, { id });
      await recordAudit(trx, actor, { action: 'template.deleted', targetType: 'template', targetId: id, summary: `Deleted template "${row.name}"` });
    });
  }

  /**
   * Upserts templates from the API's JSON (one object or an array): by `id` when given, else by
   * name. Everything is validated before anything is written.
   */
  async import(documents: unknown, actor: Actor): Promise<{ created: number; updated: number; unchanged: number; ids: number[] }> {
    const list = Array.isArray(documents) ? documents : [documents];
    const parsed = list.map((doc, i) => {
      try {
        const { name } = parseOrThrow(templateInput, doc, 'template');
        const id = (doc as { id?: unknown }).id;
        return { name, content: parseContent(doc), id: typeof id === 'number' ? id : undefined };
      } catch (err) {
        if (err instanceof CrierError) throw new CrierError(err.code, `Template #${i + 1}: ${err.message}`, err.details);
        throw err;
      }
    });
    const now = this.now();
    return this.deps.store.db.transaction().execute(async (trx) => {
      const result = { created: 0, updated: 0, unchanged: 0, ids: [] as number[] };
      for (const t of parsed) {
        const existing = t.id !== undefined ? await findTemplate(trx, t.id) : await findTemplateByName(trx, t.name);
        if (existing && existing.name === t.name && sameContent(contentOf(existing), t.content)) {
          result.unchanged++;
          result.ids.push(Number(existing.id));
        } else if (existing) {
          await updateTemplate(trx, Number(existing.id), Number(existing.version), t.name, t.content, now);
          result.updated++;
          result.ids.push(Number(existing.id));
        } else {
          result.ids.push(await insertTemplate(trx, t.name, t.content, actor.userId, now));
          result.created++;
        }
      }
      await recordAudit(trx, actor, {
        action: 'templates.imported',
        targetType: 'template',
        summary: `Imported templates: ${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged`,
        details: result,
      }, now);
      return result;
    });
  }
}

function sameContent(a: Content, b: Content): boolean {
  return JSON.stringify(contentColumns(a)) === JSON.stringify(contentColumns(b));
}
