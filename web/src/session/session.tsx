// Who is signed in: GET /api/session, kept in the query cache under ['session'] (null: nobody).
// A request that finds the session gone (expired, ended elsewhere) empties it, and
// <RequireSession> then sends the user to sign in, with the page they were on to come back to.
import { Center, Loader } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Navigate, Outlet, useLocation } from 'react-router';
import { roleAllows } from '../../../src/domain/roles.js';
import { api, ApiError, onSessionLost, setCsrfToken } from '../api/client';
import type { AnswerOf, RequestOf } from '../api/routes';
import { ErrorState } from '../layout/states';

export type Session = AnswerOf<'GET /api/session'>;
export type User = Session['user'];
export type Role = User['role'];

const SESSION = ['session'] as const;

/** Whether the last session ended under the user (so the sign-in page can say so). */
let lost = false;

async function readSession(): Promise<Session | null> {
  try {
    const session = await api('GET /api/session');
    setCsrfToken(session.csrfToken);
    return session;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw err;
  }
}

export function useSession() {
  return useQuery({ queryKey: SESSION, queryFn: readSession, staleTime: Infinity, retry: false });
}

/** The signed-in user; only inside <RequireSession>. */
export function useUser(): User {
  const { data } = useSession();
  if (!data) throw new Error('useUser() outside <RequireSession>');
  return data.user;
}

/** Whether the signed-in user's role reaches `role` (DESIGN.md §8: viewer < sender < admin). */
export function useCan(role: Role): boolean {
  return roleAllows(useUser().role, role);
}

export function useSignIn() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: (body: RequestOf<'POST /api/session'>['body']) => api('POST /api/session', { body }),
    onSuccess: (session) => {
      lost = false;
      setCsrfToken(session.csrfToken);
      queries.setQueryData(SESSION, session);
    },
  });
}

export function useSignOut() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: () => api('DELETE /api/session'),
    onSettled: () => {
      setCsrfToken(null);
      queries.clear();
      queries.setQueryData(SESSION, null);
    },
  });
}

/** Empties the session when any request finds it gone. Mounted once, at the top. */
export function SessionWatcher() {
  const queries = useQueryClient();
  useEffect(
    () =>
      onSessionLost(() => {
        if (!queries.getQueryData(SESSION)) return;
        lost = true;
        setCsrfToken(null);
        queries.setQueryData(SESSION, null);
      }),
    [queries],
  );
  return null;
}

/** Where to sign in, and to come back to `location` afterwards. */
export function signInPath(location: { pathname: string; search: string }): string {
  return `/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`;
}

/** The page after signing in: `next` when it is a path of this UI, else the list. */
export function nextPath(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/communications';
}

export function RequireSession() {
  const session = useSession();
  const location = useLocation();
  if (session.isPending) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (session.isError) return <ErrorState error={session.error} onRetry={() => void session.refetch()} />;
  if (!session.data) return <Navigate to={signInPath(location)} replace state={{ expired: lost }} />;
  return <Outlet />;
}
