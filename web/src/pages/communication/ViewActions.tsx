// What a sender may do from the view, as the status allows (the API's `actions`): Edit and
// Delete for a draft, Cancel while In Progress. Viewers see none. Delete and Cancel ask first,
// since neither can be undone.
import { Alert, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useCan } from '../../session/session';
import { useCancel, useDelete, type CommunicationView } from './queries';

type Risky = 'cancel' | 'delete';

export function ViewActions({ communication: c }: { communication: CommunicationView }) {
  const canChange = useCan('sender');
  const [confirming, setConfirming] = useState<Risky | null>(null);
  if (!canChange) return null;
  return (
    <Group gap="sm">
      {c.actions.includes('edit') && (
        <Button component={Link} to={`/communications/${c.id}/edit`} variant="default">
          Edit
        </Button>
      )}
      {c.actions.includes('delete') && (
        <Button color="red.9" variant="outline" onClick={() => setConfirming('delete')}>
          Delete
        </Button>
      )}
      {c.actions.includes('cancel') && (
        <Button color="red.9" variant="outline" onClick={() => setConfirming('cancel')}>
          Cancel
        </Button>
      )}
      {confirming && <Confirm communication={c} action={confirming} onClose={() => setConfirming(null)} />}
    </Group>
  );
}

const WORDING: Record<Risky, { body: string; keep: string; go: string }> = {
  cancel: {
    body: 'Messages still waiting will not be sent; messages already sent stay sent, and those being handed over now are not affected. Cancelling a communication cannot be undone.',
    keep: 'Keep sending',
    go: 'Cancel the communication',
  },
  delete: {
    body: 'The draft, its recipients and its content are deleted. Deleting a communication cannot be undone.',
    keep: 'Keep the draft',
    go: 'Delete',
  },
};

function Confirm({ communication: c, action, onClose }: { communication: CommunicationView; action: Risky; onClose: () => void }) {
  const cancel = useCancel(c.id);
  const remove = useDelete(c.id);
  const navigate = useNavigate();
  const run = action === 'cancel' ? cancel : remove;
  const words = WORDING[action];
  const go = () =>
    action === 'cancel'
      ? cancel.mutate(undefined, { onSuccess: onClose })
      : remove.mutate(undefined, { onSuccess: () => void navigate('/communications', { replace: true }) });
  return (
    <Modal opened onClose={onClose} title={`${action === 'cancel' ? 'Cancel' : 'Delete'} “${c.name}”?`} centered>
      <Stack>
        <Text size="sm">{words.body}</Text>
        {run.isError && (
          <Alert color="red" role="alert">
            {run.error.message}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {words.keep}
          </Button>
          <Button color="red.9" loading={run.isPending} onClick={go}>
            {words.go}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
