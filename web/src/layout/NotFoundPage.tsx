import { Anchor, Title } from '@mantine/core';
import { Link } from 'react-router';
import { EmptyState } from './states';

export function NotFoundPage() {
  return (
    <>
      <Title order={1} size="h2">
        Page not found
      </Title>
      <EmptyState title="There is no page at this address.">
        <Anchor component={Link} to="/communications">
          Back to the communications
        </Anchor>
      </EmptyState>
    </>
  );
}
