// The progress lines `crier comms status` prints while a communication is In Progress, and the
// progress bar of `crier comms send --wait` as a terminal shows it.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { barTotal, formatDuration, formatProgress, progressBar } from '../../src/cli/send-wait.js';

/** A terminal 100 columns wide that keeps what is drawn on it. */
function terminal() {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    }),
    { isTTY: true, columns: 100 },
  );
  // What the line reads now: the text after the last "go to column 1", control sequences dropped.
  const line = () => chunks.join('').split('\x1b[1G').at(-1)!.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, '');
  return { stream, line };
}

describe('progress as text', () => {
  it('shows sent / total, the rate and the time left, and why sending waits', () => {
    expect(formatProgress({ sent: 1200, total: 5000, ratePerSecond: 40.5, etaSeconds: 94, waitReason: null })).toBe(
      '  progress:        1200 of 5000 sent, 40.5/s, 1m 34s left',
    );
    expect(formatProgress({ sent: 0, total: 10, ratePerSecond: 0, etaSeconds: null, waitReason: 'sandbox fails every attempt' })).toBe(
      '  progress:        0 of 10 sent, 0/s, — left\n  waiting:         sandbox fails every attempt',
    );
  });

  it('writes durations in the largest units that matter', () => {
    expect([5, 65, 3600, 7322].map(formatDuration)).toEqual(['5s', '1m 05s', '1h 00m', '2h 02m']);
  });
});

describe('the send --wait progress bar', () => {
  it('is empty, not full, before the messages exist, and counts against the messages the review expects', () => {
    const { stream, line } = terminal();
    const bar = progressBar(stream, 'sending');
    // Just after Send: the sender has not made a message yet.
    bar.start(0, 0, { rate: 0, etaText: 'ETA —', waiting: '' });
    expect(line()).toMatch(/^sending \[░+\] preparing messages \| 0\/s \| ETA —$/);
    bar.setTotal(barTotal({ status: 'in_progress', messagesTotal: 0 }, 5000));
    bar.update(0);
    bar.render(); // what the bar's timer draws next
    expect(line()).toMatch(/^sending \[░+\] 0\/5000 \|/);
    bar.stop();
  });

  it('counts against the live total once the sender has made more than expected, and the real total at the end', () => {
    expect(barTotal({ status: 'in_progress', messagesTotal: 20_000 }, 5000)).toBe(20_000);
    expect(barTotal({ status: 'in_progress', messagesTotal: 2000 }, 5000)).toBe(5000);
    expect(barTotal({ status: 'completed', messagesTotal: 4990 }, 5000)).toBe(4990);
  });

  it('draws the delivery reports as they come in', () => {
    const { stream, line } = terminal();
    const bar = progressBar(stream, 'reports');
    bar.start(20, 4, { delivered: 3, deliveryErrors: 1 });
    expect(line()).toMatch(/^reports \[█+░+\] 4\/20 \| 3 delivered \| 1 delivery errors$/);
    bar.stop();
  });
});
