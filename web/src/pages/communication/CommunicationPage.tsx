// Viewing one communication (DESIGN.md §4; the guide's "Reviewing a Mass Communication"): its
// name, status and actions above three tabs — Overview, Account delivery status, and Send
// failures, which exists only when some message could not be sent (so never for Completed).
// The tab is part of the address; the figures poll while the communication is In Progress.
import { Anchor, Badge, Group, Stack, Tabs, Title } from '@mantine/core';
import { Link, useParams, useSearchParams } from 'react-router';
import { ErrorState, LoadingState } from '../../layout/states';
import { NotFoundPage } from '../../layout/NotFoundPage';
import { StatusBadge } from '../communications/StatusBadge';
import { DeliveriesTab } from './DeliveriesTab';
import { FailuresTab } from './FailuresTab';
import { count } from './format';
import { OverviewTab } from './OverviewTab';
import { useCommunication, type CommunicationView } from './queries';
import { ViewActions } from './ViewActions';

const TABS = ['overview', 'deliveries', 'failures'] as const;
type Tab = (typeof TABS)[number];

/** The guide: the tab appears only when errors kept messages from being sent, never for Completed. */
export const hasFailuresTab = (c: CommunicationView) => c.messages.sendFailed > 0 && c.status !== 'completed';

export function CommunicationPage() {
  const id = Number(useParams().id);
  if (!Number.isSafeInteger(id) || id < 1) return <NotFoundPage />;
  return <CommunicationScreen id={id} />;
}

function CommunicationScreen({ id }: { id: number }) {
  const communication = useCommunication(id);
  const [search, setSearch] = useSearchParams();
  if (communication.isPending) return <LoadingState label="Loading the communication" />;
  if (communication.isError) {
    return (
      <Stack align="flex-start">
        <BackLink />
        <ErrorState error={communication.error} title="This communication cannot be shown" onRetry={() => void communication.refetch()} />
      </Stack>
    );
  }
  const c = communication.data;
  const live = c.status === 'in_progress';
  const failures = hasFailuresTab(c);
  const asked = search.get('tab') as Tab | null;
  const tab: Tab = asked && TABS.includes(asked) && (asked !== 'failures' || failures) ? asked : 'overview';
  // A new tab starts without the other tab's filter.
  const open = (next: string | null) => setSearch(next && next !== 'overview' ? { tab: next } : {}, { replace: true });

  return (
    <Stack gap="md">
      <BackLink />
      <Group justify="space-between" align="flex-start" gap="sm">
        <Group gap="sm" align="center">
          <Title order={1} size="h2">
            {c.name}
          </Title>
          <StatusBadge status={c.status} />
        </Group>
        <ViewActions communication={c} />
      </Group>
      <Tabs value={tab} onChange={open} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="overview">Overview</Tabs.Tab>
          <Tabs.Tab value="deliveries">Account delivery status</Tabs.Tab>
          {failures && (
            <Tabs.Tab
              value="failures"
              rightSection={
                <Badge size="sm" color="red.9" variant="filled">
                  {count(c.messages.sendFailed)}
                </Badge>
              }
            >
              Send failures
            </Tabs.Tab>
          )}
        </Tabs.List>
        <Tabs.Panel value="overview" pt="md">
          <OverviewTab communication={c} />
        </Tabs.Panel>
        <Tabs.Panel value="deliveries" pt="md">
          <DeliveriesTab id={c.id} live={live} />
        </Tabs.Panel>
        {failures && (
          <Tabs.Panel value="failures" pt="md">
            <FailuresTab communication={c} live={live} />
          </Tabs.Panel>
        )}
      </Tabs>
    </Stack>
  );
}

function BackLink() {
  return (
    <Anchor component={Link} to="/communications" size="sm">
      ← All communications
    </Anchor>
  );
}
