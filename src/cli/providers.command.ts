// `crier providers check`: each channel's provider — whether its credentials work, its limits,
// the senders' circuit breaker and its webhook URLs — in this process, or through a running
// server with --api (GET /api/providers). Exits 1 when a credentials check fails.
import type { Command } from 'commander';
import { formatSeconds } from '../domain/send-estimate.js';
import type { ProviderStatus, ProvidersStatus } from '../services/providers.service.js';
import { apiClientFrom } from './api-client.js';
import { withCliApp } from './cli-app.js';
import { configFrom, type GlobalOptions } from './main.js';

export function registerProviderCommands(program: Command): void {
  const providers = program.command('providers').description('the email and SMS providers in use');
  providers
    .command('check')
    .description("check each channel's provider: credentials (by a call that sends nothing), limits, circuit breaker, webhook URLs; exits 1 if a check fails")
    .action(async () => {
      const global = program.opts<GlobalOptions>();
      const api = apiClientFrom(global);
      const status = api
        ? await api.call('GET /api/providers', { query: { refresh: true } })
        : await withCliApp(configFrom(global), (app) => app.providerStatus.status({ refresh: true }));
      console.log(global.json ? JSON.stringify(status) : formatProviders(status));
      if (status.channels.some((c) => !c.credentials.ok)) process.exitCode = 1;
    });
}

export function formatProviders(status: ProvidersStatus): string {
  const width = Math.max(...status.channels.map((c) => c.provider.length));
  return status.channels.map((c) => formatProvider(c, width)).join('\n');
}

/** "email  sendgrid  credentials ok (…)  up to 1,000 a request, no rate limit of its own  breaker closed  webhook: https://…" */
export function formatProvider(c: ProviderStatus, width = c.provider.length): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const { limits, breaker } = c;
  const rate =
    limits.messagesPerSecond === null ? 'no rate limit of its own' : `${n(limits.messagesPerSecond)} a second${limits.rateNote ? ` (${limits.rateNote})` : ''}`;
  const held = limits.effectivePerSecond !== limits.messagesPerSecond && limits.effectivePerSecond !== null ? `, held to ${n(limits.effectivePerSecond)} a second` : '';
  const validity = limits.validitySeconds === null ? '' : `, kept ${formatSeconds(limits.validitySeconds)} before dropped`;
  const parts = [
    c.channel.padEnd(5),
    c.provider.padEnd(width),
    `credentials ${c.credentials.ok ? 'ok' : 'FAILED'} (${c.credentials.detail})`,
    `up to ${n(limits.maxBatchSize)} a request, ${rate}${held}${validity}`,
    `breaker ${breaker.state}${breaker.reason ? ` (${breaker.reason})` : ''}`,
  ];
  if (c.webhookUrls.length > 0) parts.push(`webhook${c.webhookUrls.length > 1 ? 's' : ''}: ${c.webhookUrls.join(' ')}`);
  return parts.join('  ');
}
