// Builds the app for a one-shot command: logs go to stderr (warnings and worse), so stdout
// carries only the command's own output.
import pino from 'pino';
import { createApp, createLogger, type App } from '../app.js';
import type { Config } from '../config.js';

export async function withCliApp<T>(config: Config, work: (app: App) => Promise<T>): Promise<T> {
  const quiet = { ...config, logLevel: config.logLevel === 'info' ? ('warn' as const) : config.logLevel };
  const app = await createApp(config, { logger: createLogger(quiet, pino.destination(2)) });
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}
