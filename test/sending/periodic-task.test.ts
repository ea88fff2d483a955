// Periodic tasks stop before the store they use is closed: stop() waits for a run in progress.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { PeriodicTasks } from '../../src/sending/periodic-task.js';

describe('periodic tasks', () => {
  it('stop() resolves only once the run in progress has ended, and no run starts after it', async () => {
    const tasks = new PeriodicTasks(pino({ level: 'silent' }));
    const log: string[] = [];
    let runs = 0;
    tasks.add({
      name: 'slow',
      everyMs: 20,
      async run() {
        runs++;
        log.push('start');
        await new Promise((r) => setTimeout(r, 150));
        log.push('end');
      },
    });
    await new Promise((r) => setTimeout(r, 60));
    expect(log).toEqual(['start']);
    await tasks.stop();
    log.push('stopped');
    expect(log).toEqual(['start', 'end', 'stopped']);
    await new Promise((r) => setTimeout(r, 100));
    expect(runs).toBe(1);
  });

  it('keeps running a task whose run failed, one run at a time', async () => {
    const tasks = new PeriodicTasks(pino({ level: 'silent' }));
    let runs = 0;
    let concurrent = 0;
    let most = 0;
    tasks.add({
      name: 'flaky',
      everyMs: 10,
      async run() {
        runs++;
        most = Math.max(most, ++concurrent);
        await new Promise((r) => setTimeout(r, 25));
        concurrent--;
        throw new Error('boom');
      },
    });
    await new Promise((r) => setTimeout(r, 200));
    await tasks.stop();
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(most).toBe(1);
  });
});
