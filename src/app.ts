// The composition root: builds the store, logger, metrics and services from the config, once.
// The server, the worker and the command line all start here.
import pino, { type Logger } from 'pino';
import { Registry, collectDefaultMetrics, Counter } from 'prom-client';
import type { Config } from './config.js';
import { AccountsService } from './services/accounts.service.js';
import { openStore, type Store } from './store/store.js';

export interface Metrics {
  registry: Registry;
  importedRows: Counter<'result'>;
}

export interface App {
  config: Config;
  logger: Logger;
  store: Store;
  metrics: Metrics;
  accounts: AccountsService;
  close(): Promise<void>;
}

/** Paths in log records that may hold secrets; pino replaces their values. */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.apiKey',
];

export function createLogger(config: Config, destination?: pino.DestinationStream): Logger {
  return pino({ level: config.logLevel, redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' } }, destination);
}

export async function createApp(config: Config, options: { logger?: Logger; migrate?: boolean } = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config);
  const store = openStore(config.databaseUrl);
  try {
    if (options.migrate ?? true) {
      const result = await store.migrate();
      const applied = result.results?.map((r) => r.migrationName) ?? [];
      if (applied.length > 0) logger.info({ applied }, 'database migrated');
    } else {
      await store.ping();
    }
  } catch (err) {
    await store.close();
    throw err;
  }

  const registry = new Registry();
  if (config.metrics) collectDefaultMetrics({ register: registry });
  const metrics: Metrics = {
    registry,
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

  return {
    config,
    logger,
    store,
    metrics,
    accounts,
    async close() {
      await store.close();
    },
  };
}
