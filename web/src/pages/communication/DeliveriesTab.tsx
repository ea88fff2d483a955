// Account delivery status (DESIGN.md §4): every message that was sent, one row per message (an
// account with email and SMS has two), filtered by type and status, in keyset pages, and the
// same rows as a CSV download. The filter lives in the address, so the page can be shared.
import { Button, Group, Select, Stack, Table, Text, Tooltip } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { urlOf } from '../../api/client';
import { EmptyState, ErrorState, LoadingState } from '../../layout/states';
import { CursorPager, useCursorPages } from './CursorPager';
import { DELIVERY_LABELS, DeliveryBadge, type DeliveryStatus } from './DeliveryBadge';
import { exactly, when } from './format';
import { useDeliveries, type MessageType } from './queries';

const TYPE_OPTIONS = [
  { value: '', label: 'All types' },
  { value: 'email', label: 'Email' },
  { value: 'sms', label: 'SMS' },
];

const STATUS_OPTIONS = [{ value: '', label: 'All statuses' }, ...Object.entries(DELIVERY_LABELS).map(([value, label]) => ({ value, label }))];

export const TYPE_LABELS: Record<MessageType, string> = { email: 'Email', sms: 'SMS' };

function useFilter() {
  const [search, setSearch] = useSearchParams();
  const type = (search.get('type') || undefined) as MessageType | undefined;
  const status = (search.get('status') || undefined) as DeliveryStatus | undefined;
  const set = (name: 'type' | 'status', value: string | null) =>
    setSearch(
      (s) => {
        const next = new URLSearchParams(s);
        if (value) next.set(name, value);
        else next.delete(name);
        return next;
      },
      { replace: true },
    );
  return { type, status, set };
}

export function DeliveriesTab({ id, live }: { id: number; live: boolean }) {
  const filter = useFilter();
  const pages = useCursorPages();
  const deliveries = useDeliveries(id, { type: filter.type, status: filter.status, cursor: pages.cursor }, live);
  const change = (name: 'type' | 'status') => (value: string | null) => {
    pages.reset();
    filter.set(name, value);
  };
  const filtered = filter.type !== undefined || filter.status !== undefined;
  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <Group gap="sm" align="flex-end">
          <Select label="Type" data={TYPE_OPTIONS} value={filter.type ?? ''} onChange={change('type')} allowDeselect={false} w={150} />
          <Select label="Status" data={STATUS_OPTIONS} value={filter.status ?? ''} onChange={change('status')} allowDeselect={false} w={170} />
        </Group>
        <Button
          component="a"
          variant="default"
          href={urlOf('/api/communications/:id/messages.csv', { id }, { type: filter.type, status: filter.status })}
          download
        >
          Export CSV
        </Button>
      </Group>
      {deliveries.isPending ? (
        <LoadingState label="Loading the messages" />
      ) : deliveries.isError ? (
        <ErrorState error={deliveries.error} onRetry={() => void deliveries.refetch()} />
      ) : deliveries.data.items.length === 0 ? (
        <EmptyState title={filtered ? 'No sent message matches this filter' : 'No message has been sent yet'}>
          {filtered ? 'Choose another type or status.' : 'Messages appear here as they are handed to the provider.'}
        </EmptyState>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table striped highlightOnHover aria-label="Account delivery status">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Account UUID</Table.Th>
                <Table.Th>Account name</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>Sent</Table.Th>
                <Table.Th>Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {deliveries.data.items.map((m) => (
                <Table.Tr key={m.id}>
                  <Table.Td ff="monospace" fz="sm">
                    {m.accountId}
                  </Table.Td>
                  <Table.Td>{m.accountName ?? <Text c="dimmed" size="sm">—</Text>}</Table.Td>
                  <Table.Td>{TYPE_LABELS[m.type]}</Table.Td>
                  <Table.Td>
                    {m.sentAt && (
                      <Tooltip label={exactly(m.sentAt)}>
                        <time dateTime={m.sentAt}>{when(m.sentAt)}</time>
                      </Tooltip>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <DeliveryBadge status={m.status} error={m.error} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <CursorPager pages={pages} nextCursor={deliveries.data?.nextCursor} label="Account delivery status" />
    </Stack>
  );
}
