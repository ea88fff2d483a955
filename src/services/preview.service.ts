// Preview (render for one real account, or the built-in sample) and test send (the same render
// handed to the configured provider, addressed to the user). Test sends are marked as tests and
// never enter the communication's messages or figures.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Content } from '../content/content.js';
import { ContentCheckError, RenderFailedError, type ContentRenderer } from '../content/render.js';
import { SAMPLE_ACCOUNT } from '../content/sample-account.js';
import { smsInfo, type SmsInfo } from '../content/sms.js';
import { normaliseEmail, PhoneNormaliser } from '../domain/account-fields.js';
import type { Actor } from '../domain/actor.js';
import { chooseLanguage } from '../domain/audience.js';
import { CrierError } from '../domain/errors.js';
import type { Providers } from '../providers/registry.js';
import { findAccountByUuid } from '../store/accounts.queries.js';
import { renderAccountOf } from '../store/engine/accounts.sql.js';
import { recordAudit } from '../store/audit.queries.js';
import type { Store } from '../store/store.js';
import type { Config } from '../config.js';
import type { CommunicationsService } from './communications.service.js';
import { parseOrThrow } from './content-input.js';

export type MessageType = 'email' | 'sms';

export interface Preview {
  type: MessageType;
  language: string;
  account: { id: string; name: string; sample: boolean };
  email?: { subject: string; html: string; text: string };
  sms?: { body: string } & SmsInfo;
}

const testInput = z.object({
  type: z.enum(['email', 'sms']).optional(),
  to: z.string().trim().min(3).optional(),
  accountId: z.string().optional(),
  language: z.string().optional(),
});

export class PreviewService {
  constructor(
    private readonly deps: {
      store: Store;
      config: Config;
      renderer: ContentRenderer;
      communications: CommunicationsService;
      providers: Providers;
    },
  ) {}

  async preview(id: number, query: { type?: MessageType; language?: string; accountId?: string }): Promise<Preview> {
    const communication = await this.deps.communications.get(id);
    return this.render(communication.name, communication.content, query);
  }

  async testSend(id: number, input: unknown, actor: Actor): Promise<{ type: MessageType; to: string; providerMessageId: string; preview: Preview }> {
    const request = parseOrThrow(testInput, input ?? {}, 'test send');
    const communication = await this.deps.communications.get(id);
    const preview = await this.render(communication.name, communication.content, request);
    const to = await this.recipient(preview.type, request.to, actor);
    const provider = this.deps.providers[preview.type];
    const testId = `test-${randomUUID()}`;
    const { config } = this.deps;
    const [outcome] = await provider.send([
      preview.type === 'email'
        ? {
            channel: 'email',
            id: testId,
            to,
            from: config.settings.CRIER_EMAIL_FROM,
            ...(config.settings.CRIER_EMAIL_REPLY_TO ? { replyTo: config.settings.CRIER_EMAIL_REPLY_TO } : {}),
            subject: `[Test] ${preview.email!.subject}`,
            html: preview.email!.html,
            text: preview.email!.text,
            headers: { 'X-Crier-Test': 'true', 'X-Crier-Communication': String(id) },
          }
        : { channel: 'sms', id: testId, to, body: `[Test] ${preview.sms!.body}` },
    ]);
    if (!outcome || !outcome.ok) {
      const failure = outcome && !outcome.ok ? outcome.failure : undefined;
      throw new CrierError('provider_failed', `The ${provider.name} provider refused the test ${preview.type}: ${failure?.message ?? 'no answer'}`, failure);
    }
    await this.deps.store.db.transaction().execute((trx) =>
      recordAudit(trx, actor, {
        action: 'communication.test_sent',
        targetType: 'communication',
        targetId: id,
        summary: `Test ${preview.type} (${preview.language}) sent to ${to}`,
        details: { providerMessageId: outcome.providerMessageId, account: preview.account.id },
      }),
    );
    return { type: preview.type, to, providerMessageId: outcome.providerMessageId, preview };
  }

  private async render(name: string, content: Content, query: { type?: MessageType; language?: string; accountId?: string }): Promise<Preview> {
    const type = query.type ?? (content.email ? 'email' : 'sms');
    const versions = content[type];
    if (!versions) throw new CrierError('content_invalid', `This communication has no ${type} content`, { field: 'type' });
    const row = query.accountId ? await findAccountByUuid(this.deps.store.db, query.accountId) : undefined;
    if (query.accountId && !row) throw new CrierError('not_found', `No account with UUID ${query.accountId}`, { field: 'accountId' });
    const account = row ? renderAccountOf(row) : SAMPLE_ACCOUNT;
    const language = query.language
      ? (Object.keys(versions).find((l) => l.toLowerCase() === query.language!.toLowerCase()) ?? missingLanguage(type, query.language))
      : chooseLanguage(account.language, Object.keys(versions), content.defaultLanguage);
    const ctx = { account, communication: { name }, unsubscribeUrl: `${this.deps.config.publicUrl}/unsubscribe/preview` };
    const who = { id: account.uuid, name: [account.firstName, account.lastName].filter(Boolean).join(' '), sample: !row };
    try {
      const compiled = this.deps.renderer.compile(content);
      if (type === 'email') return { type, language, account: who, email: this.deps.renderer.renderEmail(compiled, language, ctx) };
      const { body } = this.deps.renderer.renderSms(compiled, language, ctx);
      return { type, language, account: who, sms: { body, ...smsInfo(body) } };
    } catch (err) {
      if (err instanceof ContentCheckError) throw new CrierError('content_invalid', `The content has errors: ${err.message}`, err.errors);
      if (err instanceof RenderFailedError) throw new CrierError('render_failed', `Cannot render for this account: ${err.message}`, { reason: err.reason, ...err.where });
      throw err;
    }
  }

  private async recipient(type: MessageType, to: string | undefined, actor: Actor): Promise<string> {
    if (type === 'sms') {
      if (!to) throw new CrierError('validation_failed', 'A test SMS needs a phone number: give "to"', [{ field: 'to', problem: 'is required for SMS' }]);
      const phone = new PhoneNormaliser(this.deps.config.defaultRegion).normalise(to);
      if (!phone) throw new CrierError('validation_failed', `"${to}" is not a valid phone number`, [{ field: 'to', problem: 'not a valid phone number' }]);
      return phone;
    }
    if (to) {
      const email = normaliseEmail(to);
      if (!email) throw new CrierError('validation_failed', `"${to}" is not a valid email address`, [{ field: 'to', problem: 'not a valid email address' }]);
      return email;
    }
    const user = actor.userId === null ? undefined : await this.deps.store.db.selectFrom('users').select('email').where('id', '=', actor.userId).executeTakeFirst();
    if (!user) throw new CrierError('validation_failed', 'Give "to": there is no signed-in user whose address to use', [{ field: 'to', problem: 'is required' }]);
    return user.email;
  }
}


function missingLanguage(type: MessageType, language: string): never {
  throw new CrierError('not_found', `This communication has no ${type} version in ${language}`, { field: 'language' });
}
