// The question Delete and Cancel ask before they act, from the list's row menu and from the
// view alike: neither can be undone, so the words say what happens and that it is for good.
import { Alert, Button, Group, Modal, Stack, Text } from '@mantine/core';

export type Risky = 'cancel' | 'delete';

const WORDING: Record<Risky, { title: (name: string) => string; body: string; keep: string; go: string }> = {
  delete: {
    title: (name) => `Delete “${name}”?`,
    body: 'The draft, its recipients and its content are deleted. Deleting a communication cannot be undone.',
    keep: 'Keep the draft',
    go: 'Delete',
  },
  cancel: {
    title: (name) => `Cancel “${name}”?`,
    body: 'Messages still waiting will not be sent; messages already sent stay sent, and those being handed over now are not affected. Cancelling a communication cannot be undone.',
    keep: 'Keep sending',
    go: 'Cancel the communication',
  },
};

export function ConfirmRisky(props: {
  action: Risky;
  /** The communication's name. */
  name: string;
  pending: boolean;
  /** What the API answered when the action failed. */
  error: Error | null;
  onConfirm(): void;
  onClose(): void;
}) {
  const words = WORDING[props.action];
  return (
    <Modal opened onClose={props.onClose} title={words.title(props.name)} centered closeButtonProps={{ 'aria-label': 'Close' }}>
      <Stack>
        <Text size="sm">{words.body}</Text>
        {props.error && (
          <Alert color="red" role="alert">
            {props.error.message}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            {words.keep}
          </Button>
          <Button color="red.9" loading={props.pending} onClick={props.onConfirm}>
            {words.go}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
