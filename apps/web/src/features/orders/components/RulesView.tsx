import { useEffect, useState } from 'react';
import { Alert, Badge, Button, Card, Code, Group, List, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../../shared/api/client.ts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { formatDateTime } from '../../../shared/format.ts';
import { useRuleSets, useSaveRules } from '../api.ts';

/**
 * Remote-eligibility rules of the office: the active version, earlier versions, and (administrators) an editor that
 * saves a new version. The server validates every rule and names each problem by its path; the new version applies
 * to the next recommendation without a restart.
 */
export function RulesView({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const q = useRuleSets();
  const save = useSaveRules();
  const [text, setText] = useState('');
  const [note, setNote] = useState('');
  const [parseError, setParseError] = useState<string | null>(null);
  const active = q.data?.active;
  useEffect(() => {
    if (active) setText(JSON.stringify(active.rules, null, 2));
  }, [active?.id]); // eslint-disable-line react-hooks/exhaustive-deps
  const issues = save.error instanceof ApiError ? ((save.error.details as { issues?: { path: string; message: string }[] })?.issues ?? []) : [];
  return (
    <>
      <PageHeader title={t('orders.rules.title')} testId="page-title" />
      <ErrorAlert error={q.error} />
      {q.isPending ? <Loading /> : null}
      {active ? (
        <Stack gap="md">
          <Card withBorder data-testid="rules-active" data-version={active.version}>
            <Group justify="space-between" mb="xs">
              <Title order={3} fz="md">{t('orders.rules.active', { version: active.version })}</Title>
              <Text size="xs" c="dimmed">{t('orders.rules.default', { mode: t(`orders.mode.${active.defaultOutcome}`) })}</Text>
            </Group>
            <Table.ScrollContainer minWidth={640}>
              <Table fz="sm" verticalSpacing={4}>
                <Table.Tbody>
                  {(active.rules as { id: string; description: string; outcome: string; priority?: number; enabled?: boolean }[]).map((r) => (
                    <Table.Tr key={r.id} data-testid="rule-row">
                      <Table.Td><Code>{r.id}</Code></Table.Td>
                      <Table.Td>{r.description}</Table.Td>
                      <Table.Td><Badge variant="light" color={r.outcome === 'remote' ? 'blue' : 'orange'}>{t(`orders.mode.${r.outcome}`, { defaultValue: r.outcome })}</Badge></Table.Td>
                      <Table.Td>{r.enabled === false ? t('orders.rules.disabled') : ''}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Card>
          {canEdit ? (
            <Card withBorder data-testid="rules-editor">
              <Title order={3} fz="md" mb="xs">{t('orders.rules.edit')}</Title>
              <Text size="xs" c="dimmed" mb="xs">{t('orders.rules.facts', { facts: Object.keys(active.facts ?? {}).join(', ') })}</Text>
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  let rules: unknown[];
                  try {
                    rules = JSON.parse(text);
                  } catch (err) {
                    setParseError((err as Error).message);
                    return;
                  }
                  setParseError(null);
                  save.mutate({ rules, ...(note.trim() ? { note: note.trim() } : {}) });
                }}
              >
                <Stack gap="sm">
                  <Textarea value={text} onChange={(e) => setText(e.currentTarget.value)} autosize minRows={10} maxRows={30} styles={{ input: { fontFamily: 'monospace', fontSize: 12 } }} data-testid="rules-json" />
                  <TextInput label={t('orders.rules.note')} value={note} onChange={(e) => setNote(e.currentTarget.value)} maxLength={1000} />
                  {parseError ? <Alert color="red" variant="light">{t('orders.rules.notJson', { error: parseError })}</Alert> : null}
                  <ErrorAlert error={save.error} />
                  {issues.length ? <List size="sm" data-testid="rules-issues">{issues.map((i) => <List.Item key={`${i.path}:${i.message}`}><Code>{i.path}</Code> {i.message}</List.Item>)}</List> : null}
                  {save.data ? <Alert color="green" variant="light" data-testid="rules-saved">{t('orders.rules.saved', { version: save.data.version })}</Alert> : null}
                  <Group justify="flex-end"><Button type="submit" loading={save.isPending} data-testid="rules-save">{t('orders.rules.save')}</Button></Group>
                </Stack>
              </form>
            </Card>
          ) : null}
          <Card withBorder>
            <Title order={3} fz="md" mb="xs">{t('orders.rules.versions')}</Title>
            {q.data!.versions.map((v) => (
              <Text key={v.id} size="sm">{t('orders.rules.version', { version: v.version, at: formatDateTime(v.createdAt) })}{v.active ? ` · ${t('orders.rules.isActive')}` : ''}{v.note ? ` · ${v.note}` : ''}</Text>
            ))}
          </Card>
        </Stack>
      ) : null}
    </>
  );
}
