// A sent message's delivery status as a badge that carries the word. A failed one shows the
// provider's reason on hover and on keyboard focus, and to screen readers as its description.
import { Badge, Tooltip } from '@mantine/core';
import { useId } from 'react';

export const DELIVERY_LABELS = {
  delivered: 'Delivered',
  failed: 'Failed',
  in_progress: 'In progress',
  no_report: 'No report',
} as const;

export type DeliveryStatus = keyof typeof DELIVERY_LABELS;

/** A glyph and a fill of each status's own, so that none differs from another by colour alone. */
const LOOK: Record<DeliveryStatus, { color: string; variant: 'outline' | 'filled'; glyph: string }> = {
  delivered: { color: 'teal.9', variant: 'outline', glyph: '✓' },
  failed: { color: 'red.9', variant: 'filled', glyph: '✕' },
  in_progress: { color: 'blue.9', variant: 'outline', glyph: '…' },
  no_report: { color: 'gray.8', variant: 'outline', glyph: '?' },
};

export function DeliveryBadge({ status, error }: { status: DeliveryStatus; error: string | null }) {
  const id = useId();
  const badge = (
    <Badge
      variant={LOOK[status].variant}
      color={LOOK[status].color}
      tt="none"
      leftSection={<span aria-hidden="true">{LOOK[status].glyph}</span>}
      tabIndex={error ? 0 : undefined}
      aria-describedby={error ? id : undefined}
    >
      {DELIVERY_LABELS[status]}
    </Badge>
  );
  if (!error) return badge;
  return (
    <>
      <Tooltip label={error} multiline maw={320} withArrow events={{ hover: true, focus: true, touch: true }}>
        {badge}
      </Tooltip>
      <span id={id} hidden>
        {error}
      </span>
    </>
  );
}
