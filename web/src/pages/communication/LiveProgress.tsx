// Live progress of a communication In Progress: sent out of all messages, the send rate over the
// last minute, the time left at that rate, why sending waits when a provider is held, and the
// chart of delivery outcomes over time.
import { Alert, Group, Paper, Progress, Stack, Text, Title } from '@mantine/core';
import { ErrorState } from '../../layout/states';
import { duration, rate, sentOf } from './format';
import { OutcomeChart } from './OutcomeChart';
import { useTimeline, type CommunicationView } from './queries';

type SendProgress = NonNullable<CommunicationView['progress']>;

export function LiveProgress({ id, progress, messages }: { id: number; progress: SendProgress; messages: CommunicationView['messages'] }) {
  const timeline = useTimeline(id, [messages.sent, messages.delivered, messages.deliveryErrors]);
  const percent = progress.total === 0 ? 0 : (progress.sent / progress.total) * 100;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="live-progress">
      <Stack gap="sm">
        <Title order={2} size="h4" id="live-progress">
          Sending
        </Title>
        <Progress value={percent} size="lg" aria-label="Messages sent" animated />
        <Group gap="xl" wrap="wrap">
          <Text data-testid="progress-sent">
            <strong>{sentOf(progress.sent, progress.total)}</strong> sent
          </Text>
          <Text>{rate(progress.ratePerSecond)}</Text>
          <Text>{progress.etaSeconds === null ? 'Time left: not known yet' : `About ${duration(progress.etaSeconds)} left`}</Text>
        </Group>
        {progress.waitReason && (
          // The title in the text colour: yellow on the alert's pale yellow fails WCAG AA contrast.
          <Alert color="yellow" title="Sending is waiting" role="status" styles={{ title: { color: 'var(--mantine-color-text)' } }}>
            {progress.waitReason}
          </Alert>
        )}
        <Title order={3} size="h5">
          Delivery outcomes over time
        </Title>
        {timeline.isError ? <ErrorState error={timeline.error} /> : timeline.data && <OutcomeChart points={timeline.data.points} />}
      </Stack>
    </Paper>
  );
}
