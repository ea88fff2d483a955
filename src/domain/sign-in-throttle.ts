// Wrong passwords slow down, they never lock (OWASP's advice against online guessing): each
// account and each client address counts its wrong passwords in a row, and past a few free ones
// every further attempt waits, 1 s and doubling up to a cap. A hard lock would let anyone who
// knows an admin's email keep the admin out; a short cap per account cannot, while the long cap
// per address stops one client from guessing.

/** What one kind of key (an account, an address) allows. */
export interface ThrottleLimits {
  /** Wrong passwords in a row that cost nothing. */
  freeFailures: number;
  /** The longest wait, however many failures follow. */
  maxDelayMs: number;
}

export const FIRST_DELAY_MS = 1000;
/** A count untouched this long is forgotten (and its row swept). */
export const THROTTLE_MEMORY_MS = 24 * 3_600_000;

/** How long the next attempt must wait after `failures` wrong passwords in a row. */
export function delayAfter(failures: number, limits: ThrottleLimits): number {
  if (failures < limits.freeFailures) return 0;
  // Capped before it is computed: 2^1000 is Infinity, and the cap is reached long before.
  const doublings = Math.min(failures - limits.freeFailures, 40);
  return Math.min(limits.maxDelayMs, FIRST_DELAY_MS * 2 ** doublings);
}

/** The key an account's attempts are counted under: the email as given, whether a user has it or not. */
export const accountThrottleKey = (email: string) => `account:${email.trim().toLowerCase()}`;

/** The keys an attempt is counted under: the email as given (known or not, alike) and the client address. */
export function throttleKeys(email: string, address: string): { account: string; address: string } {
  return { account: accountThrottleKey(email), address: `address:${address}` };
}

/** "16 s", "4 min": when to come back, rounded up. */
export function waitText(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
}
