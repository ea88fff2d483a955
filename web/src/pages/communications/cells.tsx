// What the list shows of one communication, cell by cell, for the table (wide screens) and the
// cards (narrow ones) alike. Drafts have no messages, delivery date or sender yet: empty.
import { Text, Tooltip } from '@mantine/core';
import type { AnswerOf } from '../../api/routes';
import { count, exactly, sentOf, when } from '../communication/format';

export type Row = AnswerOf<'GET /api/communications'>['items'][number];

const rate = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** "1,234 / 1,300 (95 %)", and the messages handed over per second while In Progress. */
export function MessagesSent({ row }: { row: Row }) {
  if (row.status === 'draft') return null;
  return (
    <>
      <Text size="sm">{sentOf(row.messagesSent, row.messagesTotal)}</Text>
      {row.status === 'in_progress' && row.ratePerSecond !== null && (
        <Text size="xs" c="gray.7">
          {rate.format(row.ratePerSecond)} messages/s
        </Text>
      )}
    </>
  );
}

export function DeliveryErrors({ row }: { row: Row }) {
  return row.status === 'draft' ? null : <>{count(row.deliveryErrors)}</>;
}

/** When sending began, in the viewer's locale and zone; the exact time (with the zone) on hover. */
export function DeliveryDate({ row }: { row: Row }) {
  if (!row.deliveryDate) return null;
  return (
    <Tooltip label={exactly(row.deliveryDate)} withArrow>
      <Text component="time" dateTime={row.deliveryDate} size="sm">
        {when(row.deliveryDate)}
      </Text>
    </Tooltip>
  );
}

export function SentBy({ row }: { row: Row }) {
  return row.sentBy ? <>{`${row.sentBy.firstName} ${row.sentBy.lastName}`}</> : null;
}
