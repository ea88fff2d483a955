// What DATABASE_URL names: a PostgreSQL server (postgres://…) or a SQLite file (a path, or
// sqlite:path). Anything else is refused by name before anything is opened, so a typo
// (mysql://…) is an error rather than a SQLite file at ./mysql:/…
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The embedded default: the only directory Crier creates for a database. */
export const DEFAULT_DATABASE_URL = './data/crier.db';

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** The absolute path of the SQLite file a non-PostgreSQL URL names. */
export function sqliteFile(url: string): string {
  return resolve(url.replace(/^sqlite:(\/\/)?/i, ''));
}

/** Whether Crier may create the file's directory: only the default one. */
export function mayCreateDirectory(file: string): boolean {
  return dirname(file) === dirname(resolve(DEFAULT_DATABASE_URL));
}

/** A URL with its password, if any, hidden: for logs and messages. */
export function hidePassword(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** Why Crier cannot use this URL (a sentence to follow the setting's name), or null. */
export function databaseUrlProblem(url: string): string | null {
  if (isPostgresUrl(url)) return null;
  // Two letters at least: `C:\…` is a Windows path, not a scheme.
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(url)?.[1];
  if (scheme && scheme.toLowerCase() !== 'sqlite') {
    return `${scheme} is not a database Crier can use: give postgres://user:password@host:5432/database or a SQLite file path`;
  }
  const file = sqliteFile(url);
  if (existsSync(file) && statSync(file).isDirectory()) return `${file} is a directory: name a file in it, such as ${join(file, 'crier.db')}`;
  if (!existsSync(dirname(file)) && !mayCreateDirectory(file)) {
    return `the directory ${dirname(file)} does not exist: create it first (only the default ./data is created for you)`;
  }
  return null;
}
