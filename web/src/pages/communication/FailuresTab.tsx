// Send failures (DESIGN.md §4; the guide's "Delivery Errors" tab): each message Crier could not
// hand to a provider at all, with its error, by account; the accounts that received nothing at
// all are marked, with their UUID and line from the recipients CSV. One action builds a new
// draft for those accounts and opens it; the downloads give them (or every failure) as CSV.
import { Alert, Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { useNavigate } from 'react-router';
import { urlOf } from '../../api/client';
import { EmptyState, ErrorState, LoadingState } from '../../layout/states';
import { useCan } from '../../session/session';
import { CursorPager, useCursorPages } from './CursorPager';
import { TYPE_LABELS } from './DeliveriesTab';
import { count } from './format';
import { useFailures, useResend, type CommunicationView } from './queries';

export function FailuresTab({ communication, live }: { communication: CommunicationView; live: boolean }) {
  const { id } = communication;
  const pages = useCursorPages();
  const failures = useFailures(id, pages.cursor, live);
  return (
    <Stack gap="md">
      <Text>
        {count(communication.messages.sendFailed)} {communication.messages.sendFailed === 1 ? 'message' : 'messages'} could not be
        sent at all. The accounts marked <strong>Received nothing</strong> got no message of this communication.
      </Text>
      <FailureActions id={id} />
      {failures.isPending ? (
        <LoadingState label="Loading the send failures" />
      ) : failures.isError ? (
        <ErrorState error={failures.error} onRetry={() => void failures.refetch()} />
      ) : failures.data.items.length === 0 ? (
        <EmptyState title="No send failure">Every message was handed to a provider.</EmptyState>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table striped aria-label="Send failures">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Account UUID</Table.Th>
                <Table.Th>Account name</Table.Th>
                <Table.Th>CSV line</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>Error</Table.Th>
                <Table.Th>Received</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {failures.data.items.map((f) => (
                <Table.Tr key={f.id} data-received-nothing={f.receivedNothing || undefined}>
                  <Table.Td ff="monospace" fz="sm">
                    {f.accountId}
                  </Table.Td>
                  <Table.Td>{f.accountName ?? '—'}</Table.Td>
                  <Table.Td>{f.line ?? '—'}</Table.Td>
                  <Table.Td>{TYPE_LABELS[f.type]}</Table.Td>
                  <Table.Td>{f.error ?? f.errorCode ?? '—'}</Table.Td>
                  <Table.Td>
                    {f.receivedNothing ? (
                      <Badge variant="filled" color="red.9" tt="none" leftSection={<span aria-hidden="true">✕</span>}>
                        Received nothing
                      </Badge>
                    ) : (
                      <Text size="sm">Got another message</Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <CursorPager pages={pages} nextCursor={failures.data?.nextCursor} label="Send failures" />
    </Stack>
  );
}

function FailureActions({ id }: { id: number }) {
  const canSend = useCan('sender');
  const resend = useResend(id);
  const navigate = useNavigate();
  return (
    <Stack gap="xs">
      <Group gap="sm">
        {canSend && (
          <Button loading={resend.isPending} onClick={() => resend.mutate(undefined, { onSuccess: (draft) => void navigate(`/communications/${draft.id}`) })}>
            New communication for these accounts
          </Button>
        )}
        <Button component="a" variant="default" href={urlOf('/api/communications/:id/failures/received-nothing.csv', { id })} download>
          Download accounts (CSV)
        </Button>
        <Button component="a" variant="subtle" href={urlOf('/api/communications/:id/failures.csv', { id })} download>
          Every send failure (CSV)
        </Button>
      </Group>
      {resend.isError && (
        <Alert color="red" role="alert" title="No new communication was made">
          {resend.error.message}
        </Alert>
      )}
    </Stack>
  );
}
