// The progress lines `crier comms status` prints while a communication is In Progress.
import { describe, expect, it } from 'vitest';
import { formatDuration, formatProgress } from '../../src/cli/send-wait.js';

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
