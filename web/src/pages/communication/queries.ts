// The communication view's reads and its one change (resend), through the typed client. While a
// communication is In Progress its figures poll; the other reads follow when it changes.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { AnswerOf, RequestOf } from '../../api/routes';

export type CommunicationView = AnswerOf<'GET /api/communications/:id'>;
export type DeliveryQuery = NonNullable<RequestOf<'GET /api/communications/:id/messages'>['query']>;
export type MessageType = 'email' | 'sms';

/** How often a communication In Progress is read again. */
const LIVE_MS = 2_000;

const key = (id: number) => ['communication', id] as const;

export function useCommunication(id: number) {
  return useQuery({
    queryKey: key(id),
    queryFn: () => api('GET /api/communications/:id', { params: { id } }),
    refetchInterval: (query) => (query.state.data?.status === 'in_progress' ? LIVE_MS : false),
  });
}

/** Polls with the communication while it sends; afterwards only when asked again. */
const liveWhile = (live: boolean) => (live ? LIVE_MS : false);

/**
 * Read again whenever the communication's counts change (`counts`), so the chart's last point
 * and the figures beside it tell the same story.
 */
export function useTimeline(id: number, counts: readonly number[]) {
  return useQuery({
    queryKey: [...key(id), 'timeline', ...counts],
    queryFn: () => api('GET /api/communications/:id/timeline', { params: { id } }),
    placeholderData: keepPreviousData,
  });
}

export function usePreview(id: number, type: MessageType, language: string) {
  return useQuery({
    queryKey: [...key(id), 'preview', type, language],
    queryFn: () => api('GET /api/communications/:id/preview', { params: { id }, query: { type, language } }),
    staleTime: Infinity,
    placeholderData: keepPreviousData,
  });
}

export function useDeliveries(id: number, query: DeliveryQuery, live: boolean) {
  return useQuery({
    queryKey: [...key(id), 'deliveries', query],
    queryFn: () => api('GET /api/communications/:id/messages', { params: { id }, query }),
    placeholderData: keepPreviousData,
    refetchInterval: liveWhile(live),
  });
}

export function useFailures(id: number, cursor: string | undefined, live: boolean) {
  return useQuery({
    queryKey: [...key(id), 'failures', cursor ?? null],
    queryFn: () => api('GET /api/communications/:id/failures', { params: { id }, query: { cursor } }),
    placeholderData: keepPreviousData,
    refetchInterval: liveWhile(live),
  });
}

/** A new draft for the accounts that received nothing. */
export function useResend(id: number) {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: () => api('POST /api/communications/:id/resend', { params: { id }, body: { scope: 'received-nothing' } }),
    onSuccess: (draft) => {
      queries.setQueryData(key(draft.id), draft);
      void queries.invalidateQueries({ queryKey: ['communications'] });
    },
  });
}

export function useCancel(id: number) {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: () => api('POST /api/communications/:id/cancel', { params: { id } }),
    onSettled: () => queries.invalidateQueries({ queryKey: key(id) }),
  });
}

export function useDelete(id: number) {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: () => api('DELETE /api/communications/:id', { params: { id } }),
    onSuccess: () => {
      queries.removeQueries({ queryKey: key(id) });
      void queries.invalidateQueries({ queryKey: ['communications'] });
    },
  });
}
