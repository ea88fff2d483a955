// `crier serve` (web UI, API and, later, the sender in one process) and `crier migrate`.
import type { Command } from 'commander';
import { createApp } from '../app.js';
import { buildServer } from '../server/server.js';
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
      const app = await createApp(config);
      const server = await buildServer(app);
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        app.logger.info({ signal }, 'shutting down: no new requests, finishing those in flight');
        const force = setTimeout(() => {
          app.logger.error({ graceMs: config.shutdownGraceMs }, 'shutdown took too long; exiting');
          process.exit(1);
        }, config.shutdownGraceMs);
        force.unref();
        await server.close();
        await app.close();
        app.logger.info('stopped');
        clearTimeout(force);
      };
      process.once('SIGTERM', () => void stop('SIGTERM'));
      process.once('SIGINT', () => void stop('SIGINT'));
      const address = await server.listen({ port: config.port, host: config.host });
      app.logger.info({ address, database: app.store.location, dialect: app.store.dialect }, 'Crier is serving');
    });

  program
    .command('migrate')
    .description('bring the database schema up to date')
    .action(async () => {
      const config = configFrom(program.opts<GlobalOptions>());
      const app = await createApp(config, { migrate: false });
      try {
        const result = await app.store.migrate();
        const applied = result.results?.map((r) => r.migrationName) ?? [];
        const json = program.opts<GlobalOptions>().json;
        if (json) console.log(JSON.stringify({ applied }));
        else console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'The schema is up to date.');
      } finally {
        await app.close();
      }
    });
}
