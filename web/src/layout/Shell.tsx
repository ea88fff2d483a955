// The frame of every signed-in page: Crier's name, the navigation, who is signed in and Sign out.
import { AppShell, Anchor, Badge, Button, Group, Text } from '@mantine/core';
import { Link, NavLink, Outlet, useNavigate } from 'react-router';
import { useSignOut, useUser } from '../session/session';
import classes from './Shell.module.css';

export function Shell() {
  const user = useUser();
  const signOut = useSignOut();
  const navigate = useNavigate();
  return (
    <AppShell header={{ height: 56 }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="lg" wrap="nowrap">
            <Anchor component={Link} to="/communications" fw={700} size="lg" underline="never" c="inherit">
              Crier
            </Anchor>
            <nav aria-label="Main">
              <NavLink to="/communications" className={classes.link}>
                Communications
              </NavLink>
            </nav>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" visibleFrom="sm">
              {user.firstName} {user.lastName}
            </Text>
            <Badge variant="outline" color="gray" visibleFrom="xs">
              {user.role}
            </Badge>
            <Button
              size="xs"
              variant="default"
              loading={signOut.isPending}
              onClick={() => signOut.mutate(undefined, { onSettled: () => void navigate('/sign-in', { replace: true }) })}
            >
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
