// `crier serve` (the HTTP API and the sender in one process), `crier worker` (the sender alone,
// for scale-out) and `crier migrate`.
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import type { App } from '../app.js';
import type { Config } from '../config.js';
import { CrierError } from '../domain/errors.js';
import { logFormat } from '../logging.js';
import { openStore } from '../store/store.js';
import { printServeBanner } from './banner.js';
import { configFrom, type GlobalOptions } from './main.js';
import { crierRoot, crierVersion } from './version.js';

export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description('serve the web UI and the HTTP API and run the sender (migrates the database first; builds the web UI when web/ changed)')
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
      let server: FastifyInstance | undefined;
      let address: string;
      try {
        server = await buildServer(app, { webBundle: (await webBundle(app)) ?? undefined });
        address = await server.listen({ port: config.port, host: config.host });
      } catch (err) {
        // Nothing has started: no sender, no server. Say why in one line.
        await server?.close().catch(() => {});
        await app.close();
        throw listenError(err, config);
      }
      const listening = server;
      stopOnSignals(app, config, async () => {
        await listening.close();
        await app.senderThread.stop();
      });
      // No users yet: the first admin comes from this one-time link (or `crier users create`),
      // at the address the server really answers at unless CRIER_PUBLIC_URL says otherwise.
      const setup = await app.auth.setup.openLinkIfNeeded(config.settings.CRIER_PUBLIC_URL ?? reachable(address));
      const providers = { email: app.providers.email.name, sms: app.providers.sms.name };
      const database = { dialect: app.store.dialect, location: app.store.location };
      const shown = printServeBanner({ version: crierVersion(), address, host: config.host, database, providers, sender: config.sending.inServe, setup });
      // Files and pipes get these facts as JSON; a terminal that shows the banner needs them once.
      if (!shown || logFormat(config.logFormat) === 'json') {
        app.logger.info({ address, database: database.location, dialect: database.dialect, providers }, 'Crier is serving');
        if (setup) app.logger.warn(`No users yet. Create the first admin within 24 hours at ${setup.url}`);
      }
      // The sender runs on a thread of its own, so that this one is free to answer requests.
      if (config.sending.inServe) app.senderThread.start();
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

/** The web UI's bundle, built first if the sources changed; the API alone if it cannot be built. */
async function webBundle(app: App): Promise<string | null> {
  const root = crierRoot();
  if (!root) return null;
  const { ensureWebBundle } = await import('../server/web-bundle.js');
  try {
    return await ensureWebBundle(root, app.logger);
  } catch (err) {
    app.logger.error({ err }, 'the web UI could not be built: serving the API without it');
    return null;
  }
}

/** Why the server could not listen, as one line naming the address and what to change. */
function listenError(err: unknown, config: Config): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  const reason: Record<string, string> = {
    EADDRINUSE: 'the address is in use (another Crier, or another program, listens there): choose another port with --port or PORT',
    EACCES: 'permission denied (ports below 1024 need privileges): choose another port with --port or PORT',
    EADDRNOTAVAIL: `${config.host} is not an address of this machine: set --host or HOST to one of its addresses, or 0.0.0.0`,
    ENOTFOUND: `the host name ${config.host} does not resolve: set --host or HOST to an address of this machine`,
  };
  const text = code ? reason[code] : undefined;
  return text ? new CrierError('config_invalid', `Cannot listen on ${where}: ${text}`, { host: config.host, port: config.port, code }) : err;
}

/** A listening address a browser can open: the IPv6 wildcard [::] is reached at [::1]. */
function reachable(address: string): string {
  return address.replace('//[::]', '//[::1]');
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
