// The narrow centred card the sign-in and setup pages share, outside the signed-in shell.
import { Container, Paper, Title } from '@mantine/core';
import type { ReactNode } from 'react';

export function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Container size={440} py={64} component="main">
      <Title order={1} size="h2" ta="center" mb="lg">
        {title}
      </Title>
      <Paper withBorder shadow="sm" p="lg" radius="md">
        {children}
      </Paper>
    </Container>
  );
}
