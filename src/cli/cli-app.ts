// Builds what a one-shot command needs: logs go to stderr (warnings and worse), so stdout
// carries only the command's own output. The whole app (every service and its libraries) is
// loaded only by the commands that use it: an accounts import needs the store alone.
import pino, { type Logger } from 'pino';
import type { App } from '../app.js';
import type { Config } from '../config.js';
import { createLogger } from '../logging.js';
import { openMigratedStore, type Store } from '../store/store.js';

function quietLogger(config: Config): Logger {
  const quiet = { ...config, logLevel: config.logLevel === 'info' ? ('warn' as const) : config.logLevel };
  return createLogger(quiet, pino.destination(2));
}

export async function withCliApp<T>(config: Config, work: (app: App) => Promise<T>): Promise<T> {
  const { createApp } = await import('../app.js');
  const app = await createApp(config, { logger: quietLogger(config) });
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}

/** The migrated store, for commands that need nothing else. */
export async function withCliStore<T>(config: Config, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openMigratedStore(config.databaseUrl, quietLogger(config));
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
