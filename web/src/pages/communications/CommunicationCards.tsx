// The list on a narrow screen (a phone, 390 px): one card per communication, the columns as
// labelled lines, the row menu in the corner.
import { Anchor, Card, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { DeliveryDate, DeliveryErrors, MessagesSent, SentBy, type Row } from './cells';
import { RowMenu } from './RowMenu';
import { StatusBadge } from './StatusBadge';

export function CommunicationCards({ rows }: { rows: Row[] }) {
  return (
    <Stack gap="sm" component="ul" aria-label="Communications" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
      {rows.map((row) => (
        <Card key={row.id} withBorder padding="sm" component="li" data-status={row.status}>
          <Group justify="space-between" wrap="nowrap" align="flex-start">
            <Stack gap={4}>
              <Anchor component={Link} to={`/communications/${row.id}`} fw={500}>
                {row.name}
              </Anchor>
              <StatusBadge status={row.status} />
            </Stack>
            <RowMenu row={row} />
          </Group>
          {row.status !== 'draft' && (
            <SimpleGrid cols={2} spacing="xs" verticalSpacing={4} component="dl" mt="xs" mb={0}>
              <Field label="Messages sent">
                <MessagesSent row={row} />
              </Field>
              <Field label="Delivery errors">
                <DeliveryErrors row={row} />
              </Field>
              <Field label="Delivery date">
                <DeliveryDate row={row} />
              </Field>
              <Field label="Sent by">
                <SentBy row={row} />
              </Field>
            </SimpleGrid>
          )}
        </Card>
      ))}
    </Stack>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text component="dt" size="xs" c="gray.7">
        {label}
      </Text>
      <Text component="dd" size="sm" m={0}>
        {children}
      </Text>
    </div>
  );
}
