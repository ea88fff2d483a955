// The file a command reads (a CSV, a JSON of templates): checked before anything is opened, so
// that a missing file, a directory or an unreadable one is one line naming it, not a stack.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { CrierError } from '../domain/errors.js';

/** The file's size, once it is known to be a file (or a pipe) this process may read. */
export async function inputFile(file: string): Promise<{ size: number }> {
  const problem = (text: string) => new CrierError('not_found', `Cannot read ${file}: ${text}`, { file });
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
    throw problem(err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.message);
  });
  // Pipes stay welcome (`crier accounts import <(curl …)`): only a directory is refused here.
  if (info.isDirectory()) throw new CrierError('bad_request', `${file} is a directory, not a file: name the file in it to read`, { file });
  await access(file, constants.R_OK).catch(() => {
    throw problem('permission denied');
  });
  return { size: info.size };
}
