// A communication's status as a badge that carries the word, and a glyph and a fill of its own,
// so that no two statuses differ by colour alone. Shades are dark enough for small text (AA).
import { Badge } from '@mantine/core';
import type { AnswerOf } from '../../api/routes';

export type Status = AnswerOf<'GET /api/communications'>['items'][number]['status'];

export const STATUS_LABEL: Record<Status, string> = {
  draft: 'Draft',
  in_progress: 'In Progress',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

const LOOK: Record<Status, { color: string; variant: 'outline' | 'filled'; glyph: string }> = {
  draft: { color: 'gray.8', variant: 'outline', glyph: '✎' },
  in_progress: { color: 'blue.9', variant: 'filled', glyph: '➤' },
  completed: { color: 'teal.9', variant: 'filled', glyph: '✓' },
  failed: { color: 'red.9', variant: 'filled', glyph: '✕' },
  cancelled: { color: 'gray.8', variant: 'filled', glyph: '⊘' },
};

export function StatusBadge({ status }: { status: Status }) {
  const look = LOOK[status];
  return (
    <Badge color={look.color} variant={look.variant} tt="none" size="md" leftSection={<span aria-hidden="true">{look.glyph}</span>}>
      {STATUS_LABEL[status]}
    </Badge>
  );
}
