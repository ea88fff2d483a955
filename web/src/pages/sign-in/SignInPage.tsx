// Sign in with email and password, then back to the page that asked for it (?next=).
import { Alert, Button, Code, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate, useSearchParams } from 'react-router';
import { nextPath, useSession, useSignIn } from '../../session/session';
import { AuthFrame } from './AuthFrame';

export function SignInPage() {
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const session = useSession();
  const signIn = useSignIn();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const next = nextPath(params.get('next'));
  const expired = (location.state as { expired?: boolean } | null)?.expired === true;

  if (session.data && !signIn.isSuccess) return <Navigate to={next} replace />;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate({ email, password }, { onSuccess: () => void navigate(next, { replace: true }) });
  };

  return (
    <AuthFrame title="Sign in to Crier">
      <form onSubmit={submit} noValidate>
        <Stack>
          {expired && !signIn.isError && (
            <Alert color="yellow" title="Your session has ended">
              Sign in again to go back where you were.
            </Alert>
          )}
          {signIn.isError && (
            <Alert color="red" title="Not signed in" role="alert">
              {signIn.error.message}
            </Alert>
          )}
          <TextInput label="Email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
          <PasswordInput label="Password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
          <Button type="submit" loading={signIn.isPending}>
            Sign in
          </Button>
          <Text size="xs" c="dimmed">
            First time? The first admin is created at the one-time setup link that <Code>crier serve</Code> prints; an admin creates
            everyone else.
          </Text>
        </Stack>
      </form>
    </AuthFrame>
  );
}
