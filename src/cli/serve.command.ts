// `crier serve` (web UI, API and the sender in one process), `crier worker` (the sender alone,
// for scale-out) and `crier migrate`.
import type { Command } from 'commander';
import type { App } from '../app.js';
import type { Config } from '../config.js';
import { openStore } from '../store/store.js';
import { configFrom, type GlobalOptions } from './main.js';

export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description('serve the web UI and API (migrates the database first)')
    .option('--port <port>', 'listen port (else PORT, else 3000)')
    .option('--host <host>', 'listen address (else HOST, else 127.0.0.1)')
    .action(async (options: { port?: string; host?: string }) => {
      const config = configFrom(program.opts<GlobalOptions>(), {
        ...(options.port ? { PORT: options.port } : {}),
        ...(options.host ? { HOST: options.host } : {}),
      });
      // The app and the HTTP server load only here: other commands (an import, say) run without them.
      const [{ createApp }, { buildServer }] = await Promise.all([import('../app.js'), import('../server/server.js')]);
      const app = await createApp(config);
      const server = await buildServer(app);
      stopOnSignals(app, config, async () => {
        await server.close();
        await app.senderThread.stop();
      });
      // The sender runs on a thread of its own, so that this one is free to answer requests.
      if (config.sending.inServe) app.senderThread.start();
      const address = await server.listen({ port: config.port, host: config.host });
      app.logger.info({ address, database: app.store.location, dialect: app.store.dialect }, 'Crier is serving');
      // No users yet: the first admin comes from this one-time link (or `crier users create`).
      const setup = await app.auth.setup.openLinkIfNeeded();
      if (setup) app.logger.warn(`No users yet. Create the first admin within 24 hours at ${setup.url}`);
    });

  program
    .command('worker')
    .description('run the sender alone (any number of workers may share one PostgreSQL database)')
    .action(async () => {
      const config = configFrom(program.opts<GlobalOptions>());
      const { createApp } = await import('../app.js');
      const app = await createApp(config);
      const dispatcher = app.createDispatcher();
      stopOnSignals(app, config, () => dispatcher.stop());
      dispatcher.start();
      app.logger.info({ database: app.store.location, worker: dispatcher.workerId }, 'Crier worker is sending');
    });

  program
    .command('migrate')
    .description('bring the database schema up to date')
    .action(async () => {
      const config = configFrom(program.opts<GlobalOptions>());
      // The store alone: the app's services may need the tables this creates.
      const store = openStore(config.databaseUrl);
      try {
        const result = await store.migrate();
        const applied = result.results?.map((r) => r.migrationName) ?? [];
        const json = program.opts<GlobalOptions>().json;
        if (json) console.log(JSON.stringify({ applied }));
        else console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'The schema is up to date.');
      } finally {
        await store.close();
      }
    });
}

/** SIGTERM/SIGINT: stop taking work, finish what is in flight, close the store; force after the grace period. */
function stopOnSignals(app: App, config: Config, drain: () => Promise<void>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'shutting down: no new work, finishing what is in flight');
    const force = setTimeout(() => {
      app.logger.error({ graceMs: config.shutdownGraceMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownGraceMs);
    force.unref();
    await drain();
    await app.close();
    app.logger.info('stopped');
    clearTimeout(force);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
