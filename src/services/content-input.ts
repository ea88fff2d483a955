// Validating content and names that arrive through the API or a file: zod's issues turned into
// one `validation_failed` error naming every field.
import { z } from 'zod';
import { contentSchema, type Content } from '../content/content.js';
import { CrierError } from '../domain/errors.js';

export const nameSchema = z.string().trim().min(1, 'is empty').max(200, 'is longer than 200 characters');

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || what,
    problem: issue.message,
  }));
  const summary = details.map((d) => `${d.field}: ${d.problem}`).join('; ');
  throw new CrierError('validation_failed', `Invalid ${what}: ${summary}`, details);
}

export function parseContent(value: unknown): Content {
  return parseOrThrow(contentSchema, value, 'content');
}
