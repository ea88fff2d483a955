// The Overview (DESIGN.md §4): who sent the communication and when, its recipients and message
// counts, live progress while In Progress, and the content that was sent.
import { Paper, SimpleGrid, Stack, Text, Title, Tooltip } from '@mantine/core';
import type { ReactNode } from 'react';
import { ContentViewer } from './ContentViewer';
import { count, exactly, sentOf, when } from './format';
import { LiveProgress } from './LiveProgress';
import type { CommunicationView } from './queries';

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="sm" c="dimmed" component="dt">
        {label}
      </Text>
      <Text fw={500} component="dd" m={0}>
        {children}
      </Text>
    </div>
  );
}

function Moment({ iso }: { iso: string | null }) {
  if (!iso) return <>—</>;
  return (
    <Tooltip label={exactly(iso)}>
      <time dateTime={iso} tabIndex={0}>
        {when(iso)}
      </time>
    </Tooltip>
  );
}

export function OverviewTab({ communication: c }: { communication: CommunicationView }) {
  const m = c.messages;
  return (
    <Stack gap="lg">
      {c.progress && <LiveProgress id={c.id} progress={c.progress} messages={c.messages} />}
      <Paper withBorder p="md" component="section" aria-labelledby="overview-details">
        <Title order={2} size="h4" id="overview-details" mb="sm">
          Details
        </Title>
        <SimpleGrid cols={{ base: 2, sm: 3, md: 4 }} spacing="md" component="dl" m={0}>
          <Fact label="Sent by">{c.sentBy ? `${c.sentBy.firstName} ${c.sentBy.lastName}` : '—'}</Fact>
          <Fact label="Delivery date">
            <Moment iso={c.deliveryDate} />
          </Fact>
          <Fact label="Finished">
            <Moment iso={c.finishedAt} />
          </Fact>
          <Fact label="Recipients">{count(c.recipients)}</Fact>
          <Fact label="Messages sent">{sentOf(m.sent, m.total)}</Fact>
          <Fact label="Delivered">{count(m.delivered)}</Fact>
          <Fact label="Delivery errors">{count(m.deliveryErrors)}</Fact>
          <Fact label="Send failures">{count(m.sendFailed)}</Fact>
          {m.cancelled > 0 && <Fact label="Cancelled before sending">{count(m.cancelled)}</Fact>}
        </SimpleGrid>
      </Paper>
      <Paper withBorder p="md" component="section" aria-labelledby="overview-content">
        <Title order={2} size="h4" id="overview-content" mb="sm">
          Message details
        </Title>
        <ContentViewer id={c.id} content={c.content} />
      </Paper>
    </Stack>
  );
}
