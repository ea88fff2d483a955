// Editing a draft is the wizard of part 2; until then Edit leads here and says so.
import { Anchor, Code, Stack, Text, Title } from '@mantine/core';
import { Link, useParams } from 'react-router';

export function EditPlaceholderPage() {
  const { id } = useParams();
  return (
    <Stack align="flex-start">
      <Title order={1} size="h2">
        Edit draft {id}
      </Title>
      <Text>
        The editor arrives in the next version. Meanwhile a draft is edited with the command line or the API, e.g.{' '}
        <Code>npx crier comms recipients {id} accounts.csv</Code> and <Code>PATCH /api/communications/{id}</Code>.
      </Text>
      <Anchor component={Link} to="/communications">
        Back to the communications
      </Anchor>
    </Stack>
  );
}
