// Who may use Crier: users, their sessions and API tokens, the setup link and the audit log,
// built once by the composition root from the config.
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import { ApiTokensService } from './api-tokens.service.js';
import { AuditService } from './audit.service.js';
import { argon2idHasher, type PasswordHasher } from './passwords.js';
import { SessionsService } from './sessions.service.js';
import { SetupService } from './setup.service.js';
import { UsersService } from './users.service.js';

export interface AuthServices {
  users: UsersService;
  sessions: SessionsService;
  tokens: ApiTokensService;
  setup: SetupService;
  audit: AuditService;
}

export interface AuthDeps {
  config: Config;
  store: Store;
  logger: Logger;
  /** The clock every expiry and audit time is read from; tests pass a fake one. */
  now: () => number;
  hasher?: PasswordHasher;
}

export function createAuthServices({ config, store, logger, now, hasher = argon2idHasher() }: AuthDeps): AuthServices {
  const users = new UsersService({ store, hasher, now });
  return {
    users,
    sessions: new SessionsService({ store, hasher, now, settings: config.auth, logger }),
    tokens: new ApiTokensService({ store, now }),
    setup: new SetupService({ store, hasher, users, now, publicUrl: config.publicUrl }),
    audit: new AuditService({ store }),
  };
}
