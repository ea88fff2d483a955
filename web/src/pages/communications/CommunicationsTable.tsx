// The list's table (DESIGN.md §3), on screens wide enough for its six columns and the row menu.
import { Anchor, Table, VisuallyHidden } from '@mantine/core';
import { Link } from 'react-router';
import { DeliveryDate, DeliveryErrors, MessagesSent, SentBy, type Row } from './cells';
import { RowMenu } from './RowMenu';
import { StatusBadge } from './StatusBadge';

export function CommunicationsTable({ rows, busy }: { rows: Row[]; busy: boolean }) {
  return (
    <Table striped highlightOnHover verticalSpacing="sm" aria-busy={busy}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">Communication name</Table.Th>
          <Table.Th scope="col">Status</Table.Th>
          <Table.Th scope="col">Messages sent</Table.Th>
          <Table.Th scope="col">Delivery errors</Table.Th>
          <Table.Th scope="col">Delivery date</Table.Th>
          <Table.Th scope="col">Sent by</Table.Th>
          <Table.Th scope="col">
            <VisuallyHidden>Actions</VisuallyHidden>
          </Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((row) => (
          <Table.Tr key={row.id} data-status={row.status}>
            <Table.Td>
              <Anchor component={Link} to={`/communications/${row.id}`} fw={500}>
                {row.name}
              </Anchor>
            </Table.Td>
            <Table.Td>
              <StatusBadge status={row.status} />
            </Table.Td>
            <Table.Td>
              <MessagesSent row={row} />
            </Table.Td>
            <Table.Td>
              <DeliveryErrors row={row} />
            </Table.Td>
            <Table.Td>
              <DeliveryDate row={row} />
            </Table.Td>
            <Table.Td>
              <SentBy row={row} />
            </Table.Td>
            <Table.Td ta="right">
              <RowMenu row={row} />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
