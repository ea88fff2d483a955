// The ellipsis menu of one row: exactly the actions the communication's status allows (the API
// says which: View always; Edit and Delete for drafts; Cancel while In Progress), less those the
// user's role may not take (viewers only view). Delete and Cancel ask first: neither can be undone.
import { ActionIcon, Menu } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client';
import type { AnswerOf } from '../../api/routes';
import { useCan } from '../../session/session';
import { ConfirmRisky, type Risky } from './ConfirmRisky';

type Row = AnswerOf<'GET /api/communications'>['items'][number];
type Action = Row['actions'][number];

export function RowMenu({ row }: { row: Row }) {
  const canChange = useCan('sender');
  const [confirming, setConfirming] = useState<Risky | null>(null);
  const actions = row.actions.filter((action: Action) => action === 'view' || canChange);
  return (
    <>
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <ActionIcon variant="subtle" color="gray.8" aria-label={`Actions for ${row.name}`}>
            <Ellipsis />
          </ActionIcon>
        </Menu.Target>
        <Menu.Dropdown>
          {actions.includes('view') && (
            <Menu.Item component={Link} to={`/communications/${row.id}`}>
              View
            </Menu.Item>
          )}
          {actions.includes('edit') && (
            <Menu.Item component={Link} to={`/communications/${row.id}/edit`}>
              Edit
            </Menu.Item>
          )}
          {actions.includes('cancel') && (
            <Menu.Item color="red.9" onClick={() => setConfirming('cancel')}>
              Cancel
            </Menu.Item>
          )}
          {actions.includes('delete') && (
            <Menu.Item color="red.9" onClick={() => setConfirming('delete')}>
              Delete
            </Menu.Item>
          )}
        </Menu.Dropdown>
      </Menu>
      {confirming && <Confirm row={row} action={confirming} onClose={() => setConfirming(null)} />}
    </>
  );
}

function Confirm({ row, action, onClose }: { row: Row; action: Risky; onClose: () => void }) {
  const queries = useQueryClient();
  const run = useMutation({
    mutationFn: () =>
      action === 'delete'
        ? api('DELETE /api/communications/:id', { params: { id: row.id } })
        : api('POST /api/communications/:id/cancel', { params: { id: row.id } }),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ['communications'] });
      onClose();
    },
  });
  return <ConfirmRisky action={action} name={row.name} pending={run.isPending} error={run.error} onConfirm={() => run.mutate()} onClose={onClose} />;
}

function Ellipsis() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" fill="currentColor" aria-hidden="true">
      <circle cx="12" cy="5" r="2" />
      <circle cx="12" cy="12" r="2" />
      <circle cx="12" cy="19" r="2" />
    </svg>
  );
}
