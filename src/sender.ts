// The sending side's composition: the dispatcher with its store, providers, delivery intake,
// periodic tasks and metrics. The app (src/app.ts) builds one from its own parts for `crier
// worker` and `comms send --wait`; the sender thread of `crier serve` (sending/sender.worker.ts)
// opens everything for itself with openSender, on a database connection of its own.
import type { Logger } from 'pino';
import { Counter, Registry } from 'prom-client';
import type { Config } from './config.js';
import { ContentRenderer } from './content/render.js';
import { createLogger } from './logging.js';
import { createProviders, distinctProviders, type Providers } from './providers/registry.js';
import { DeliveryIntake } from './sending/delivery-intake.js';
import { deliveryTasks } from './sending/delivery-tasks.js';
import { Dispatcher } from './sending/dispatcher.js';
import type { SendingStore } from './sending/sending-store.js';
import { UnsubscribeLinks } from './sending/unsubscribe.js';
import type { WorkSignal } from './sending/work-signal.js';
import { providerCapabilities } from './store/engine/provider-capabilities.sql.js';
import { engineExec, type SqlExec } from './store/engine/sql-exec.js';
import { sendingStore } from './store/engine/sending-store.js';
import { openMigratedStore, type Store } from './store/store.js';

/** Hand-over outcomes recorded by this process's senders. */
export function handOversCounter(registry: Registry): Counter<'channel' | 'outcome'> {
  return new Counter({
    name: 'crier_messages_handed_over_total',
    help: 'Messages this process handed to providers, by channel and outcome (sent, failed, retried)',
    labelNames: ['channel', 'outcome'],
    registers: [registry],
  });
}

export interface SenderParts {
  config: Config;
  logger: Logger;
  now: () => number;
  store: Store;
  engine: SqlExec;
  sending: SendingStore;
  providers: Providers;
  renderer: ContentRenderer;
  unsubscribe: UnsubscribeLinks;
  delivery: DeliveryIntake;
  handOvers: Counter<'channel' | 'outcome'>;
  signal?: WorkSignal;
}

export function createDispatcher(parts: SenderParts): Dispatcher {
  const { config, logger, now, handOvers } = parts;
  const tasks = deliveryTasks({ store: parts.sending.delivery, deliveryReportMs: config.sending.deliveryReportMs, providers: parts.providers, logger });
  return new Dispatcher({
    store: parts.sending,
    config,
    providers: parts.providers,
    renderer: parts.renderer,
    unsubscribe: parts.unsubscribe,
    logger,
    now,
    tasks,
    ...(parts.signal ? { signal: parts.signal } : {}),
    onRecorded: (channel, counts) => {
      for (const [outcome, n] of Object.entries(counts)) if (n > 0) handOvers.inc({ channel, outcome }, n);
    },
  });
}

/** The providers the config names, given what they may use: the engine's SQL and the one intake. */
export function openProviders(config: Config, engine: SqlExec, delivery: DeliveryIntake, logger: Logger, now: () => number = Date.now): Promise<Providers> {
  const s = config.settings;
  return createProviders(
    { email: s.CRIER_EMAIL_PROVIDER, sms: s.CRIER_SMS_PROVIDER, publicUrl: config.publicUrl, settings: { ...config.env, ...config.raw }, modules: config.sending.providerModules },
    providerCapabilities(engine, (events) => delivery.ingest(events)),
    logger,
    now,
  );
}

export interface OpenSender {
  dispatcher: Dispatcher;
  /** This sender's metrics (hand-overs, delivery events); no process metrics, the host has those. */
  registry: Registry;
  logger: Logger;
  /** Closes the providers and the store; call after `dispatcher.stop()`. */
  close(): Promise<void>;
}

/** A sender with everything of its own: store (a connection of its own), providers, metrics. */
export async function openSender(config: Config, options: { logger?: Logger } = {}): Promise<OpenSender> {
  const logger = options.logger ?? createLogger(config);
  // The host migrated the database before starting this sender.
  const store = await openMigratedStore(config.databaseUrl, logger, false);
  try {
    const registry = new Registry();
    const engine = engineExec(store);
    const sending = sendingStore(engine);
    const delivery = new DeliveryIntake({ store: sending.delivery, registry, logger });
    const providers = await openProviders(config, engine, delivery, logger);
    const parts: SenderParts = {
      config,
      logger,
      now: Date.now,
      store,
      engine,
      sending,
      providers,
      renderer: new ContentRenderer({ renderLimit: config.render.limitMs }),
      unsubscribe: await UnsubscribeLinks.load(store.db, config.publicUrl),
      delivery,
      handOvers: handOversCounter(registry),
    };
    return {
      dispatcher: createDispatcher(parts),
      registry,
      logger,
      async close() {
        await Promise.all(distinctProviders(providers).map((p) => p.close?.()));
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
