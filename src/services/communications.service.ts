// Communications as the wizard, the list and the command line see them: create a draft (blank or
// from a template), rename, edit content, move between wizard steps, delete; and read them.
import { z } from 'zod';
import type { Content } from '../content/content.js';
import type { Actor } from '../domain/actor.js';
import {
  actionsFor,
  isCommunicationStatus,
  WIZARD_STEPS,
  type CommunicationStatus,
  type RowAction,
} from '../domain/communication.js';
import { CrierError } from '../domain/errors.js';
import { recordAudit } from '../store/audit.queries.js';
import {
  deleteDraft,
  findCommunication,
  insertDraft,
  listCommunications,
  updateDraft,
  type CommunicationRow,
  type DraftChanges,
} from '../store/communications.queries.js';
import type { Store } from '../store/store.js';
import { contentOf, findTemplate } from '../store/templates.queries.js';
import { nameSchema, parseContent, parseOrThrow } from './content-input.js';
import type { Page } from './accounts.service.js';
import { readProgress } from './send-progress.js';
import type { SendProgress } from '../domain/progress.js';

export interface CommunicationListRow {
  id: number;
  name: string;
  status: CommunicationStatus;
  messagesSent: number;
  messagesTotal: number;
  /** Sent out of all messages, 0 to 1; null while there are no messages. */
  sendRate: number | null;
  /** Messages handed over per second over the last minute while In Progress; null otherwise. */
  ratePerSecond: number | null;
  deliveryErrors: number;
  deliveryDate: string | null;
  sentBy: { firstName: string; lastName: string } | null;
  actions: RowAction[];
}

export interface CommunicationView extends CommunicationListRow {
  step: string;
  version: number;
  templateId: number | null;
  content: Content;
  recipients: number;
  messages: { total: number; sent: number; sendFailed: number; cancelled: number; delivered: number; deliveryErrors: number };
  waitReason: string | null;
  /** Live progress while In Progress (sent / total, rate, time left); null otherwise. */
  progress: SendProgress | null;
  finishedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

const BLANK: Content = { defaultLanguage: 'en', email: null, sms: null };

const createInput = z.object({
  name: nameSchema,
  templateId: z.number().int().positive().optional(),
  defaultLanguage: z.string().optional(),
});

const patchInput = z.object({
  version: z.number({ error: 'is required (the version you read)' }).int().positive(),
  name: nameSchema.optional(),
  step: z.enum(WIZARD_STEPS).optional(),
  content: z.unknown().optional(),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

export function toListRow(row: CommunicationRow): CommunicationListRow {
  const status = row.status as CommunicationStatus;
  const total = Number(row.messages_total);
  const sent = Number(row.messages_sent);
  return {
    id: Number(row.id),
    name: row.name,
    status,
    messagesSent: sent,
    messagesTotal: total,
    sendRate: total === 0 ? null : sent / total,
    ratePerSecond: null,
    deliveryErrors: Number(row.delivery_errors),
    deliveryDate: iso(row.send_started_at),
    sentBy: row.sent_by_first_name === null ? null : { firstName: row.sent_by_first_name, lastName: row.sent_by_last_name ?? '' },
    actions: actionsFor(status),
  };
}

export class CommunicationsService {
  constructor(private readonly deps: { store: Store; now?: () => number }) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  async list(query: { status?: string; q?: string; page: number; pageSize: number }): Promise<Page<CommunicationListRow>> {
    const statuses = (query.status ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = statuses.filter((s) => !isCommunicationStatus(s));
    if (unknown.length > 0) {
      throw new CrierError('validation_failed', `Unknown status ${unknown.join(', ')}: use draft, in_progress, completed, failed or cancelled`, [
        { field: 'status', problem: `unknown: ${unknown.join(', ')}` },
      ]);
    }
    const { store } = this.deps;
    const { rows, total } = await listCommunications(store.db, store.dialect, {
      statuses: statuses as CommunicationStatus[],
      q: query.q,
      page: query.page,
      pageSize: query.pageSize,
    });
    // Only the rows In Progress carry a rate: one short read of the progress samples each.
    const now = this.now();
    const items = await Promise.all(
      rows.map(async (row) => {
        const listed = toListRow(row);
        const progress = await readProgress(store.db, row, now);
        return progress ? { ...listed, ratePerSecond: progress.ratePerSecond } : listed;
      }),
    );
    return { items, page: query.page, pageSize: query.pageSize, total };
  }

  async get(id: number): Promise<CommunicationView> {
    const row = await findCommunication(this.deps.store.db, id);
    if (!row) throw notFound(id);
    const progress = await readProgress(this.deps.store.db, row, this.now());
    return {
      ...toListRow(row),
      ratePerSecond: progress?.ratePerSecond ?? null,
      step: row.step,
      version: Number(row.version),
      templateId: row.template_id === null ? null : Number(row.template_id),
      content: contentOf(row),
      recipients: Number(row.recipients_count),
      messages: {
        total: Number(row.messages_total),
        sent: Number(row.messages_sent),
        sendFailed: Number(row.messages_send_failed),
        cancelled: Number(row.messages_cancelled),
        delivered: Number(row.messages_delivered),
        deliveryErrors: Number(row.delivery_errors),
      },
      waitReason: row.wait_reason,
      progress,
      finishedAt: iso(row.finished_at),
      createdAt: iso(row.created_at)!,
      updatedAt: iso(row.updated_at)!,
    };
  }

  /** A new draft, blank or with a copy of a template's content. */
  async create(input: unknown, actor: Actor): Promise<CommunicationView> {
    const { name, templateId, defaultLanguage } = parseOrThrow(createInput, input, 'communication');
    const now = this.now();
    const id = await this.deps.store.db.transaction().execute(async (trx) => {
      let content = defaultLanguage ? { ...BLANK, defaultLanguage } : BLANK;
      if (templateId !== undefined) {
        const template = await findTemplate(trx, templateId);
        if (!template) throw new CrierError('not_found', `No template with id ${templateId}`, { field: 'templateId' });
        content = contentOf(template);
      }
      const created = await insertDraft(trx, { name, templateId: templateId ?? null, content, step: 'accounts', userId: actor.userId }, now);
      await recordAudit(trx, actor, {
        action: 'communication.created',
        targetType: 'communication',
        targetId: created,
        summary: `Created draft "${name}"${templateId ? ` from template ${templateId}` : ''}`,
      }, now);
      return created;
    });
    return this.get(id);
  }

  /** Renames, moves to a wizard step or replaces the content of a draft, at the version read. */
  async update(id: number, input: unknown, actor: Actor): Promise<CommunicationView> {
    const patch = parseOrThrow(patchInput, input, 'changes');
    const changes: DraftChanges = {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.step !== undefined ? { step: patch.step } : {}),
      ...(patch.content !== undefined ? { content: parseContent(patch.content) } : {}),
    };
    const now = this.now();
    await this.deps.store.db.transaction().execute(async (trx) => {
      if (!(await updateDraft(trx, id, patch.version, changes, now))) {
        throw await whyNotChanged(trx, id, patch.version, 'edited');
      }
      await recordAudit(trx, actor, {
        action: 'communication.updated',
        targetType: 'communication',
        targetId: id,
        summary: `Edited draft: ${Object.keys(changes).join(', ') || 'nothing'}`,
        details: { name: changes.name, step: changes.step, content: changes.content !== undefined },
      }, now);
    });
    return this.get(id);
  }

  async delete(id: number, actor: Actor): Promise<void> {
    await this.deps.store.db.transaction().execute(async (trx) => {
      const row = await findCommunication(trx, id);
      if (!row) throw notFound(id);
      if (!(await deleteDraft(trx, id))) throw notDraft(id, row.status, 'deleted');
      await recordAudit(trx, actor, { action: 'communication.deleted', targetType: 'communication', targetId: id, summary: `Deleted draft "${row.name}"` });
    });
  }
}

async function whyNotChanged(db: Store['db'], id: number, version: number, verb: string): Promise<CrierError> {
  const row = await findCommunication(db, id);
  if (!row) return notFound(id);
  if (row.status !== 'draft') return notDraft(id, row.status, verb);
  return new CrierError(
    'stale_version',
    `Communication ${id} was changed meanwhile (version ${row.version}, not ${version}); reload it and apply your change again`,
    { currentVersion: Number(row.version) },
  );
}

export function notFound(id: number): CrierError {
  return new CrierError('not_found', `No communication with id ${id}`, { id });
}

export function notDraft(id: number, status: string, verb: string): CrierError {
  return new CrierError('invalid_transition', `Communication ${id} is ${status.replace('_', ' ')}: only drafts can be ${verb}`, {
    id,
    status,
  });
}
