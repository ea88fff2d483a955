// The composition root: builds the store, logger, metrics and services from the config, once.
// The server, the worker and the command line all start here.
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics, Counter } from 'prom-client';
import type { Config } from './config.js';
import { ContentRenderer } from './content/render.js';
import { createProviders, type Providers } from './providers/registry.js';
import { AccountsService } from './services/accounts.service.js';
import { CommunicationsService } from './services/communications.service.js';
import { PreviewService } from './services/preview.service.js';
import { ReviewService } from './services/review.service.js';
import { SendingService } from './services/sending.service.js';
import { OutcomesService } from './services/outcomes.service.js';
import { engineExec, type SqlExec } from './store/engine/sql-exec.js';
import { Dispatcher } from './sending/dispatcher.js';
import { UnsubscribeLinks } from './sending/unsubscribe.js';
import { DeliveryIntake } from './sending/delivery-intake.js';
import { deliveryTasks } from './sending/delivery-tasks.js';
import { SandboxService } from './services/sandbox.service.js';
import { UnsubscribeService } from './services/unsubscribe.service.js';
import { TemplatesService } from './services/templates.service.js';
import { createAuthServices, type AuthServices } from './services/auth.services.js';
import type { PasswordHasher } from './services/passwords.js';
import { openMigratedStore, type Store } from './store/store.js';
import { createLogger } from './logging.js';

export interface Metrics {
  registry: Registry;
  importedRows: Counter<'result'>;
  /** Hand-over outcomes recorded by this process's sender. */
  handOvers: Counter<'channel' | 'outcome'>;
}

export interface App {
  config: Config;
  logger: Logger;
  store: Store;
  metrics: Metrics;
  accounts: AccountsService;
  /** Users, sessions, API tokens, the setup link and the audit log. */
  auth: AuthServices;
  renderer: ContentRenderer;
  providers: Providers;
  templates: TemplatesService;
  communications: CommunicationsService;
  review: ReviewService;
  preview: PreviewService;
  /** The sending engine's SQL executor (prepared statements on SQLite, the pool on PostgreSQL). */
  engine: SqlExec;
  sending: SendingService;
  /** Account delivery status, send failures, their exports, and resend. */
  outcomes: OutcomesService;
  unsubscribe: UnsubscribeLinks;
  /** The one way delivery events come in: every provider's webhook, and the sandbox. */
  delivery: DeliveryIntake;
  /** Unsubscribe links as recipients use them. */
  unsubscribes: UnsubscribeService;
  /** What the sandbox provider "sent", with its delivery reports. */
  sandbox: SandboxService;
  /** A sender for this process: `crier serve` (embedded) and `crier worker` start one. */
  createDispatcher(): Dispatcher;
  close(): Promise<void>;
}

export { createLogger, REDACTED_LOG_PATHS } from './logging.js';

export interface AppOptions {
  logger?: Logger;
  migrate?: boolean;
  /** The clock for expiries and audit times (default Date.now); tests pass a fake one. */
  now?: () => number;
  hasher?: PasswordHasher;
  /** Providers to use instead of those the config names (tests pass loopback fakes). */
  providers?: Providers;
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config);
  const store = await openMigratedStore(config.databaseUrl, logger, options.migrate ?? true);

  const registry = new Registry();
  if (config.metrics) collectDefaultMetrics({ register: registry });
  const metrics: Metrics = {
    registry,
    handOvers: new Counter({
      name: 'crier_messages_handed_over_total',
      help: 'Messages this process handed to providers, by channel and outcome (sent, failed, retried)',
      labelNames: ['channel', 'outcome'],
      registers: [registry],
    }),
    importedRows: new Counter({
      name: 'crier_account_import_rows_total',
      help: 'Rows read by account imports, by result',
      labelNames: ['result'],
      registers: [registry],
    }),
  };

  const accounts = new AccountsService({
    store,
    limits: config.imports,
    defaultRegion: config.defaultRegion,
    onImport: (r) => {
      metrics.importedRows.inc({ result: 'inserted' }, r.inserted);
      metrics.importedRows.inc({ result: 'updated' }, r.updated);
      metrics.importedRows.inc({ result: 'unchanged' }, r.unchanged);
      metrics.importedRows.inc({ result: 'rejected' }, r.rejectedRows);
    },
  });

  const auth = createAuthServices({ config, store, logger, now: options.now ?? Date.now, hasher: options.hasher });
  const now = options.now ?? Date.now;
  const renderer = new ContentRenderer();
  const providers = options.providers ?? (await createProviders({ config, store }));
  const templates = new TemplatesService({ store, renderer, now });
  const communications = new CommunicationsService({ store, now });
  const review = new ReviewService({ store, renderer, communications, smsSegmentWarning: config.smsSegmentWarning });
  const preview = new PreviewService({ store, config, renderer, communications, providers });
  const engine = engineExec(store);
  const sending = new SendingService({ exec: engine, communications, review, now });
  const outcomes = new OutcomesService({ store, exec: engine, communications, now });
  const unsubscribe = await UnsubscribeLinks.load(store.db, config.publicUrl);
  const delivery = new DeliveryIntake({ exec: engine, now, registry, logger });
  const unsubscribes = new UnsubscribeService({ exec: engine, links: unsubscribe, now });
  const sandbox = new SandboxService({ store });
  const tasks = deliveryTasks({ exec: engine, deliveryReportMs: config.sending.deliveryReportMs, providers, intake: delivery, logger });
  const createDispatcher = () => {
    const onRecorded = (channel: string, counts: { sent: number; failed: number; retried: number }) => {
      for (const [outcome, n] of Object.entries(counts)) if (n > 0) metrics.handOvers.inc({ channel, outcome }, n);
    };
    const dispatcher = new Dispatcher({ exec: engine, config, providers, renderer, unsubscribe, logger, now, tasks, onRecorded });
    sending.onWork = () => dispatcher.wake();
    return dispatcher;
  };

  return {
    config,
    logger,
    store,
    metrics,
    accounts,
    auth,
    renderer,
    providers,
    templates,
    communications,
    review,
    preview,
    engine,
    sending,
    outcomes,
    unsubscribe,
    delivery,
    unsubscribes,
    sandbox,
    createDispatcher,
    async close() {
      await Promise.all([...new Set(Object.values(providers))].map((p) => p.close?.()));
      await store.close();
    },
  };
}
