// Password hashing behind a narrow port, so tests and future tuning swap the parameters without
// touching the services. The default is argon2id at the OWASP-recommended cost.
import { hash, verify } from '@node-rs/argon2';
import { CrierError } from '../domain/errors.js';
import { randomSecret } from './secrets.js';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False for a wrong password and for a hash that cannot be read; never throws for those. */
  verify(passwordHash: string, password: string): Promise<boolean>;
}

export interface Argon2Cost {
  /** KiB of memory per hash. */
  memoryCost: number;
  timeCost: number;
}

/** 19 MiB, 2 passes (1 lane): OWASP's argon2id baseline. */
export const OWASP_ARGON2ID: Argon2Cost = { memoryCost: 19_456, timeCost: 2 };

export function argon2idHasher(cost: Argon2Cost = OWASP_ARGON2ID): PasswordHasher {
  // `algorithm` is a const enum in the typings, which isolated modules cannot read: 2 is Argon2id.
  const options = { algorithm: 2, parallelism: 1, ...cost } as Parameters<typeof hash>[1];
  return {
    hash: (password) => hash(password, options),
    verify: async (passwordHash, password) => {
      try {
        return await verify(passwordHash, password);
      } catch {
        return false;
      }
    },
  };
}

/**
 * Verifying against this hash when the email is unknown makes a failed sign-in cost the same
 * whether or not the account exists, so timing does not reveal which addresses have accounts.
 */
export function dummyHash(hasher: PasswordHasher): () => Promise<string> {
  let pending: Promise<string> | undefined;
  return () => (pending ??= hasher.hash(randomSecret()));
}

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export function checkPassword(password: string, field = 'password'): void {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw new CrierError(
      'validation_failed',
      `The password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`,
      [{ field, problem: `must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters` }],
    );
  }
}
