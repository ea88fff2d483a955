// Keyset paging over the API's cursors: the cursors of the pages walked so far are kept, so
// Previous returns to the exact page it left; a new filter starts again from the first page.
import { Button, Group, Text } from '@mantine/core';
import { useState } from 'react';

export function useCursorPages() {
  const [cursors, setCursors] = useState<string[]>([]);
  return {
    cursor: cursors[cursors.length - 1],
    page: cursors.length + 1,
    next: (nextCursor: string) => setCursors((c) => [...c, nextCursor]),
    previous: () => setCursors((c) => c.slice(0, -1)),
    reset: () => setCursors([]),
  };
}

export type CursorPages = ReturnType<typeof useCursorPages>;

export function CursorPager({ pages, nextCursor, label }: { pages: CursorPages; nextCursor: string | null | undefined; label: string }) {
  if (pages.page === 1 && !nextCursor) return null;
  return (
    <Group justify="flex-end" gap="sm" role="navigation" aria-label={`${label} pages`}>
      <Button variant="default" size="xs" disabled={pages.page === 1} onClick={pages.previous}>
        Previous
      </Button>
      <Text size="sm" aria-live="polite">
        Page {pages.page}
      </Text>
      <Button variant="default" size="xs" disabled={!nextCursor} onClick={() => nextCursor && pages.next(nextCursor)}>
        Next
      </Button>
    </Group>
  );
}
