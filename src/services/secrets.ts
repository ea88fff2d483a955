// Random secrets and their storage form. Session ids, API tokens and setup links are 32 random
// bytes; only their SHA-256 is stored, so a copy of the database signs nobody in.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_TOKEN_PREFIX = 'crier_';

/** 32 random bytes, base64url: 256 bits, safe in URLs, cookies and headers. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * Constant-time comparison of two secrets. Both sides are hashed first so that inputs of any
 * length compare in the same time and `timingSafeEqual` never sees buffers of different sizes.
 */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** A password to hand out once: 18 characters from a 64-letter alphabet (108 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url').slice(0, 18);
}
