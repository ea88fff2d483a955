// The composition root: builds the store, logger, metrics and services from the config, once.
// The server, the worker and the command line all start here.
import type { Logger } from 'pino';
import { AggregatorRegistry, Registry, collectDefaultMetrics, Counter } from 'prom-client';
import type { Config } from './config.js';
import { ContentRenderer } from './content/render.js';
import { ImportJobs } from './import/import-thread.js';
import { distinctProviders, type Providers } from './providers/registry.js';
import { AccountsService } from './services/accounts.service.js';
import { CommunicationsService } from './services/communications.service.js';
import { PreviewService } from './services/preview.service.js';
import { ProvidersService } from './services/providers.service.js';
import { ReviewService } from './services/review.service.js';
import { SendingService } from './services/sending.service.js';
import { OutcomesService } from './services/outcomes.service.js';
import { engineExec, type SqlExec } from './store/engine/sql-exec.js';
import { sendingStore } from './store/engine/sending-store.js';
import type { Dispatcher } from './sending/dispatcher.js';
import type { SendingStore } from './sending/sending-store.js';
import { SenderThread } from './sending/sender-thread.js';
import { UnsubscribeLinks } from './sending/unsubscribe.js';
import { WorkSignal } from './sending/work-signal.js';
import { DeliveryIntake } from './sending/delivery-intake.js';
import { IntakeThread } from './sending/intake-thread.js';
import { createDispatcher, handOversCounter, openProviders } from './sender.js';
import { SandboxService } from './services/sandbox.service.js';
import { UnsubscribeService } from './services/unsubscribe.service.js';
import { SuppressionsService } from './services/suppressions.service.js';
import { TemplatesService } from './services/templates.service.js';
import { createAuthServices, type AuthServices } from './services/auth.services.js';
import type { PasswordHasher } from './services/passwords.js';
import { openMigratedStore, type Store } from './store/store.js';
import { createLogger } from './logging.js';

export interface Metrics {
  registry: Registry;
  importedRows: Counter<'result'>;
  /** Hand-over outcomes recorded by senders on this thread (the sender thread counts its own). */
  handOvers: Counter<'channel' | 'outcome'>;
  /** Everything /metrics shows: this thread's registry and the sender thread's, added up. */
  text(): Promise<string>;
}

export interface App {
  config: Config;
  logger: Logger;
  store: Store;
  metrics: Metrics;
  accounts: AccountsService;
  /** Imports on threads of their own (accounts, recipients), so that a big one never stalls the server. */
  imports: ImportJobs;
  /** Users, sessions, API tokens, the setup link and the audit log. */
  auth: AuthServices;
  renderer: ContentRenderer;
  providers: Providers;
  templates: TemplatesService;
  communications: CommunicationsService;
  review: ReviewService;
  preview: PreviewService;
  /** Each channel's provider as an admin sees it: credentials, limits, breakers, webhook URLs. */
  providerStatus: ProvidersService;
  /** The SQL executor of the engine and the outcome views (prepared statements on SQLite, the pool on PostgreSQL). */
  engine: SqlExec;
  /** The sending engine's store, over `engine`. */
  sendingStore: SendingStore;
  /** Rung by Send and Cancel: the senders of this process start at once. */
  signal: WorkSignal;
  sending: SendingService;
  /** Account delivery status, send failures, their exports, and resend. */
  outcomes: OutcomesService;
  unsubscribe: UnsubscribeLinks;
  /** The one way delivery events come in: every provider's webhook, and the sandbox. */
  delivery: DeliveryIntake;
  /** Unsubscribe links as recipients use them. */
  unsubscribes: UnsubscribeService;
  /** The suppression list as operators manage it: browse, add, lift, import. */
  suppressions: SuppressionsService;
  /** What the sandbox provider "sent", with its delivery reports. */
  sandbox: SandboxService;
  /** A sender on this thread: `crier worker` and `comms send --wait` start one. */
  createDispatcher(): Dispatcher;
  /** The sender of `crier serve`: on a thread of its own, with a connection of its own; started by serve. */
  senderThread: SenderThread;
  /** Stops the sender thread (if started), then closes the providers and the store. */
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
  const signal = new WorkSignal();
  const senderThread = new SenderThread({ config, logger, signal });
  const metrics: Metrics = {
    registry,
    handOvers: handOversCounter(registry),
    importedRows: new Counter({
      name: 'crier_account_import_rows_total',
      help: 'Rows read by account imports, by result',
      labelNames: ['result'],
      registers: [registry],
    }),
    async text() {
      const [own, sender] = await Promise.all([registry.getMetricsAsJSON(), senderThread.metrics()]);
      return sender.length === 0 ? registry.metrics() : AggregatorRegistry.aggregate([own, sender]).metrics();
    },
  };

  const imports = new ImportJobs({
    databaseUrl: config.databaseUrl,
    limits: config.imports,
    defaultRegion: config.defaultRegion,
    attributeLimits: config.accountAttributes,
  });
  const accounts = new AccountsService({
    store,
    jobs: imports,
    limits: config.imports,
    defaultRegion: config.defaultRegion,
    attributeLimits: config.accountAttributes,
    onImport: (r) => {
      metrics.importedRows.inc({ result: 'inserted' }, r.inserted);
      metrics.importedRows.inc({ result: 'updated' }, r.updated);
      metrics.importedRows.inc({ result: 'unchanged' }, r.unchanged);
      metrics.importedRows.inc({ result: 'rejected' }, r.rejectedRows);
    },
  });

  const auth = createAuthServices({ config, store, logger, now: options.now ?? Date.now, hasher: options.hasher });
  const now = options.now ?? Date.now;
  const renderer = new ContentRenderer({ renderLimit: config.render.limitMs });
  const engine = engineExec(store);
  const sending = sendingStore(engine);
  // On SQLite the intake writes on a thread of its own (intake-thread.ts); PostgreSQL's statements
  // wait on the network, not on this thread's CPU, so there it writes from here.
  const intakeThread = store.sqlite && config.databaseUrl !== ':memory:' ? new IntakeThread({ databaseUrl: config.databaseUrl, logger }) : null;
  const delivery = new DeliveryIntake({ store: intakeThread ?? sending.delivery, depth: intakeThread ? 2 : 1, now, registry, logger });
  const providers = options.providers ?? (await openProviders(config, engine, delivery, logger));
  const templates = new TemplatesService({ store, renderer, now });
  const communications = new CommunicationsService({ store, now });
  const review = new ReviewService({ store, renderer, communications, smsSegmentWarning: config.smsSegmentWarning, providers, rateLimit: config.sending.rateLimit });
  const providerStatus = new ProvidersService({ providers, config, exec: engine, now });
  const preview = new PreviewService({ store, config, renderer, communications, providers });
  const sendingService = new SendingService({ store: sending.launch, signal, communications, review, now });
  const outcomes = new OutcomesService({ store, exec: engine, communications, now });
  const unsubscribe = await UnsubscribeLinks.load(store.db, config.publicUrl);
  const unsubscribes = new UnsubscribeService({ store: sending.suppressions, links: unsubscribe, now });
  const sandbox = new SandboxService({ store });
  const suppressions = new SuppressionsService({ store, jobs: imports, limits: config.imports, defaultRegion: config.defaultRegion, now });
  const dispatcherFor = () =>
    createDispatcher({ config, logger, now, store, engine, sending, providers, renderer, unsubscribe, delivery, handOvers: metrics.handOvers, signal });

  return {
    config,
    logger,
    store,
    metrics,
    accounts,
    imports,
    auth,
    renderer,
    providers,
    templates,
    communications,
    review,
    preview,
    providerStatus,
    engine,
    sendingStore: sending,
    signal,
    sending: sendingService,
    outcomes,
    unsubscribe,
    delivery,
    unsubscribes,
    suppressions,
    sandbox,
    createDispatcher: dispatcherFor,
    senderThread,
    async close() {
      await senderThread.stop();
      await intakeThread?.close();
      await Promise.all(distinctProviders(providers).map((p) => p.close?.()));
      await store.close();
    },
  };
}
