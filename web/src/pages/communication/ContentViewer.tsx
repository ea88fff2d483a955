// The content that was sent, switchable by message type and language (the guide's "Message
// details"): rendered for the built-in sample account through the preview route, the email in a
// sandboxed frame, with its text version and the template's source a click away.
import { Code, Group, Paper, SegmentedControl, Select, Stack, Text } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { EmptyState, ErrorState, LoadingState } from '../../layout/states';
import { EmailFrame } from './EmailFrame';
import { TYPE_LABELS } from './DeliveriesTab';
import { usePreview, type CommunicationView, type MessageType } from './queries';

type Content = CommunicationView['content'];

const FIELD_LABELS: Record<string, string> = { subject: 'Subject', html: 'HTML', text: 'Text version', body: 'SMS body' };

const languagesOf = (content: Content, type: MessageType) => Object.keys(content[type] ?? {}).sort();

function languageName(tag: string): string {
  try {
    const name = new Intl.DisplayNames(undefined, { type: 'language' }).of(tag);
    return name && name !== tag ? `${name} (${tag})` : tag;
  } catch {
    return tag;
  }
}

export function ContentViewer({ id, content }: { id: number; content: Content }) {
  const types = (['email', 'sms'] as const).filter((t) => content[t] !== null && languagesOf(content, t).length > 0);
  const [type, setType] = useState<MessageType | undefined>(types[0]);
  const [chosen, setLanguage] = useState<string>(content.defaultLanguage);
  if (!type) return <EmptyState title="No content yet">This communication has neither an email nor an SMS.</EmptyState>;
  const languages = languagesOf(content, type);
  const language = languages.includes(chosen) ? chosen : (languages[0] ?? content.defaultLanguage);
  return (
    <Stack gap="sm">
      <Group gap="md" align="flex-end" wrap="wrap">
        <Stack gap={4}>
          <Text size="sm" fw={500} id="content-type-label">
            Message type
          </Text>
          <SegmentedControl
            aria-labelledby="content-type-label"
            value={type}
            onChange={(v) => setType(v as MessageType)}
            data={types.map((t) => ({ value: t, label: TYPE_LABELS[t] }))}
          />
        </Stack>
        <Select
          label="Language"
          data={languages.map((l) => ({ value: l, label: languageName(l) }))}
          value={language}
          onChange={(v) => v && setLanguage(v)}
          allowDeselect={false}
          w={220}
        />
      </Group>
      <RenderedMessage id={id} type={type} language={language} content={content} />
    </Stack>
  );
}

function RenderedMessage({ id, type, language, content }: { id: number; type: MessageType; language: string; content: Content }) {
  const preview = usePreview(id, type, language);
  if (preview.isPending) return <LoadingState label="Rendering the message" />;
  if (preview.isError) return <ErrorState error={preview.error} title="The message cannot be shown" onRetry={() => void preview.refetch()} />;
  const { email, sms, account } = preview.data;
  const source = type === 'email' ? content.email?.[language] : content.sms?.[language];
  return (
    <Stack gap="sm" data-testid="message-details" data-type={type} data-language={language}>
      <Text size="sm" c="dimmed">
        Merge tags shown for {account.sample ? 'the sample account' : 'the account'} {account.name}.
      </Text>
      {email && (
        <>
          <Text>
            <Text span fw={600}>
              Subject:
            </Text>{' '}
            <span data-testid="email-subject">{email.subject}</span>
          </Text>
          <EmailFrame html={email.html} title={`Email in ${languageName(language)}`} />
          <Disclosure summary="Text version">
            <Code block>{email.text}</Code>
          </Disclosure>
        </>
      )}
      {sms && (
        <Paper withBorder p="md" maw={420}>
          <Text style={{ whiteSpace: 'pre-wrap' }} data-testid="sms-body">
            {sms.body}
          </Text>
          <Text size="xs" c="dimmed" mt="xs">
            {sms.segments} {sms.segments === 1 ? 'segment' : 'segments'} · {sms.characters} characters · {sms.encoding}
          </Text>
        </Paper>
      )}
      {source && (
        <Disclosure summary="Source, with its merge tags">
          {Object.entries(source).map(([field, text]) => (
            <Stack gap={2} key={field} mb="xs">
              <Text size="sm" fw={600}>
                {FIELD_LABELS[field] ?? field}
              </Text>
              <Code block>{String(text)}</Code>
            </Stack>
          ))}
        </Disclosure>
      )}
    </Stack>
  );
}

/** A native disclosure: keyboard and screen readers know it without help. */
function Disclosure({ summary, children }: { summary: string; children: ReactNode }) {
  return (
    <details>
      <Text component="summary" size="sm" c="indigo.8" style={{ cursor: 'pointer' }}>
        {summary}
      </Text>
      <Stack gap="xs" mt="xs">
        {children}
      </Stack>
    </details>
  );
}
