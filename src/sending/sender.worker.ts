// The sender thread of `crier serve` (see sender-thread.ts): opens a sender of its own and runs
// it until told to stop. Messages in: wake, stop, metrics; out: started, stopped, metrics, failed.
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config.js';
import { openSender } from '../sender.js';
import type { FromSender, ToSender } from './sender-thread.js';

const { config } = workerData as { config: Config };
const port = parentPort!;
const post = (m: FromSender) => port.postMessage(m);

try {
  const sender = await openSender(config);
  let stopping: Promise<void> | null = null;
  port.on('message', (m: ToSender) => {
    switch (m.type) {
      case 'wake':
        sender.dispatcher.wake();
        return;
      case 'metrics':
        void sender.registry.getMetricsAsJSON().then((metrics) => post({ type: 'metrics', id: m.id, metrics }));
        return;
      case 'stop':
        stopping ??= (async () => {
          await sender.dispatcher.stop();
          await sender.close();
          post({ type: 'stopped' });
          port.close();
        })();
        return;
    }
  });
  sender.dispatcher.start();
  post({ type: 'started', worker: sender.dispatcher.workerId });
} catch (err) {
  post({ type: 'failed', message: (err as Error).message });
  process.exit(1);
}
