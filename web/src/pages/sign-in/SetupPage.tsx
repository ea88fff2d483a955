// The one-time setup link (/setup?token=…) that `crier serve` prints while no user exists: a
// form creating the first admin, who is then signed in. A used, wrong or expired link, or one
// opened once an admin exists, says so and what to do instead.
import { Alert, Anchor, Button, Group, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, ApiError } from '../../api/client';
import { LoadingState } from '../../layout/states';
import { useSignIn } from '../../session/session';
import { AuthFrame } from './AuthFrame';

export function SetupPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const link = useQuery({ queryKey: ['setup', token], queryFn: () => api('GET /api/setup', { query: { token } }), retry: false });

  if (link.isPending) return <LoadingState label="Checking the setup link" />;
  if (link.isError) return <LinkRefused error={link.error} />;
  return (
    <AuthFrame title="Set up Crier">
      <Text size="sm" mb="md">
        Create the first admin. This link works once, until {new Date(link.data.expiresAt).toLocaleString()}.
      </Text>
      <FirstAdminForm token={token} />
    </AuthFrame>
  );
}

function LinkRefused({ error }: { error: Error }) {
  const done = error instanceof ApiError && error.code === 'setup_done';
  return (
    <AuthFrame title={done ? 'Crier is set up already' : 'This setup link does not work'}>
      <Stack>
        <Alert color={done ? 'blue' : 'red'} role={done ? undefined : 'alert'}>
          {error.message}
        </Alert>
        <Anchor component={Link} to="/sign-in">
          Go to sign in
        </Anchor>
      </Stack>
    </AuthFrame>
  );
}

function FirstAdminForm({ token }: { token: string }) {
  const navigate = useNavigate();
  const signIn = useSignIn();
  const [fields, setFields] = useState({ firstName: '', lastName: '', email: '', password: '' });
  const create = useMutation({
    mutationFn: async () => {
      await api('POST /api/setup', { body: { token, ...fields } });
      await signIn.mutateAsync({ email: fields.email, password: fields.password });
    },
    onSuccess: () => void navigate('/communications', { replace: true }),
  });
  const field = (name: keyof typeof fields) => ({
    value: fields[name],
    required: true,
    onChange: (e: { currentTarget: { value: string } }) => setFields({ ...fields, [name]: e.currentTarget.value }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        {create.isError && (
          <Alert color="red" title="The admin was not created" role="alert">
            {create.error.message}
          </Alert>
        )}
        <Group grow align="flex-start">
          <TextInput label="First name" autoComplete="given-name" {...field('firstName')} />
          <TextInput label="Last name" autoComplete="family-name" {...field('lastName')} />
        </Group>
        <TextInput label="Email" type="email" autoComplete="username" {...field('email')} />
        <PasswordInput label="Password" description="At least 12 characters" autoComplete="new-password" {...field('password')} />
        <Button type="submit" loading={create.isPending}>
          Create the admin and sign in
        </Button>
      </Stack>
    </form>
  );
}
