// Opaque keyset cursors: the position after the last row of a page, tagged with the list it
// belongs to, so a cursor of one list given to another is refused rather than misread.
import { CrierError } from '../domain/errors.js';

export function encodeCursor(list: string, position: readonly number[]): string {
  return Buffer.from(`${list}1:${position.join('.')}`).toString('base64url');
}

/** The position a cursor holds; throws bad_request for anything this list did not give out. */
export function decodeCursor(cursor: string, list: string, parts = 1): number[] {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const prefix = `${list}1:`;
  const position = text.startsWith(prefix) ? text.slice(prefix.length).split('.') : [];
  const numbers = position.map((p) => (/^\d{1,15}$/.test(p) ? Number(p) : NaN));
  if (numbers.length !== parts || numbers.some((n) => !Number.isSafeInteger(n))) {
    throw new CrierError('bad_request', 'The cursor is not one this list gave out: start again from the first page', {
      field: 'cursor',
    });
  }
  return numbers;
}
