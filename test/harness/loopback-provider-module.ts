// Loaded by a real `crier worker` process through CRIER_PROVIDER_MODULES: the loopback provider,
// pointed at CRIER_LOOPBACK_URL, batching CRIER_LOOPBACK_BATCH messages per request.
import { LoopbackProvider } from './loopback.js';

const url = process.env.CRIER_LOOPBACK_URL ?? 'http://127.0.0.1:9';
const batch = Number(process.env.CRIER_LOOPBACK_BATCH ?? '100');

export const providers = [
  { name: 'loopback', create: () => new LoopbackProvider('loopback', url, { maxBatchSize: batch, maxConcurrentRequests: Number(process.env.CRIER_LOOPBACK_CONCURRENCY ?? '4') }) },
];
