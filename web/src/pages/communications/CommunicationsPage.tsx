// The main list of mass communications: newest first, searchable by name, filterable by status,
// a page at a time; the filters live in the address (?q=&status=&page=), so a reload or a
// shared link shows the same list. While any row is In Progress the page refreshes itself.
import { Box, Group, NativeSelect, Pagination, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { EmptyState, ErrorState, LoadingState } from '../../layout/states';
import { CommunicationCards } from './CommunicationCards';
import { CommunicationsTable } from './CommunicationsTable';
import { STATUS_LABEL, type Status } from './StatusBadge';

export const PAGE_SIZE = 25;
/** How often the list is read again while something is being sent. */
const LIVE_MS = 2_000;

const STATUS_OPTIONS = [{ value: '', label: 'All statuses' }, ...Object.entries(STATUS_LABEL).map(([value, label]) => ({ value, label }))];

export function CommunicationsPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const status = (params.get('status') ?? '') as Status | '';
  const page = Math.max(1, Number(params.get('page')) || 1);

  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [name, value] of Object.entries(changes)) {
      if (value) next.set(name, value);
      else next.delete(name);
    }
    setParams(next, { replace: true });
  };

  const [search, setSearch] = useState(q);
  const [debounced] = useDebouncedValue(search, 300);
  useEffect(() => {
    if (debounced !== q) update({ q: debounced, page: '' });
    // Only a settled search changes the address; the address changing never rewrites the box.
  }, [debounced]);

  const list = useQuery({
    queryKey: ['communications', { q, status, page }],
    queryFn: () => api('GET /api/communications', { query: { q, status, page, pageSize: PAGE_SIZE } }),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (query.state.data?.items.some((row) => row.status === 'in_progress') ? LIVE_MS : false),
  });

  const pages = list.data ? Math.max(1, Math.ceil(list.data.total / PAGE_SIZE)) : 1;
  const filtered = q !== '' || status !== '';

  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        Mass communications
      </Title>
      <Group align="flex-end" gap="sm">
        <TextInput label="Search by name" type="search" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={{ base: '100%', xs: 280 }} />
        <NativeSelect label="Status" data={STATUS_OPTIONS} value={status} onChange={(e) => update({ status: e.currentTarget.value, page: '' })} w={{ base: '100%', xs: 200 }} />
      </Group>

      {list.isPending && <LoadingState label="Loading the communications" />}
      {list.isError && <ErrorState title="The communications could not be loaded" error={list.error} onRetry={() => void list.refetch()} />}
      {list.data && list.data.items.length === 0 && (
        <EmptyState title={filtered ? 'No communication matches these filters' : 'No communications yet'}>
          {filtered
            ? 'Change the search or the status filter.'
            : 'Create one with the API or `crier comms create`; it appears here as a draft.'}
        </EmptyState>
      )}
      {list.data && list.data.items.length > 0 && (
        <>
          <Box visibleFrom="sm">
            <CommunicationsTable rows={list.data.items} busy={list.isFetching && list.isPlaceholderData} />
          </Box>
          <Box hiddenFrom="sm">
            <CommunicationCards rows={list.data.items} />
          </Box>
          <Group justify="space-between">
            <Text size="sm" c="gray.7" aria-live="polite">
              {shown(list.data.page, list.data.items.length, list.data.total)}
            </Text>
            {pages > 1 && (
              <Pagination
                total={pages}
                value={Math.min(page, pages)}
                onChange={(n) => update({ page: n === 1 ? '' : String(n) })}
                getItemProps={(n) => ({ 'aria-label': `Page ${n}` })}
                getControlProps={(control) => ({ 'aria-label': `${control[0]!.toUpperCase()}${control.slice(1)} page` })}
              />
            )}
          </Group>
        </>
      )}
    </Stack>
  );
}

function shown(page: number, rows: number, total: number): string {
  const first = (page - 1) * PAGE_SIZE + 1;
  return `${first.toLocaleString()}–${(first + rows - 1).toLocaleString()} of ${total.toLocaleString()}`;
}
