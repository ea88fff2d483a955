// What a sender may do from the view, as the status allows (the API's `actions`): Edit and
// Delete for a draft, Cancel while In Progress. Viewers see none. Delete and Cancel ask first,
// since neither can be undone.
import { Button, Group } from '@mantine/core';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useCan } from '../../session/session';
import { ConfirmRisky, type Risky } from '../communications/ConfirmRisky';
import { useCancel, useDelete, type CommunicationView } from './queries';

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

function Confirm({ communication: c, action, onClose }: { communication: CommunicationView; action: Risky; onClose: () => void }) {
  const cancel = useCancel(c.id);
  const remove = useDelete(c.id);
  const navigate = useNavigate();
  const run = action === 'cancel' ? cancel : remove;
  const go = () =>
    action === 'cancel'
      ? cancel.mutate(undefined, { onSuccess: onClose })
      : remove.mutate(undefined, { onSuccess: () => void navigate('/communications', { replace: true }) });
  return <ConfirmRisky action={action} name={c.name} pending={run.isPending} error={run.error} onConfirm={go} onClose={onClose} />;
}
