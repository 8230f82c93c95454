import { useState, type FormEvent } from 'react';
import { Alert, Button, Card, Checkbox, FileInput, Group, NativeSelect, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ImportResult, ImportRowProblem } from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { formatNumber } from '../../../shared/format.ts';
import { useImportDeclarations, useOrgs } from '../api.ts';

/** The server's limit for an import body. */
const MAX_BYTES = 64 * 1024 * 1024;
/** Rows listed on screen per problem table; a bigger file's report is summarised. */
const SHOW_ROWS = 500;

function ProblemTable({ rows, testId, title }: { rows: ImportRowProblem[]; testId: string; title: string }) {
  const { t } = useTranslation();
  if (!rows.length) return null;
  return (
    <Stack gap={4}>
      <Title order={3} fz="md">{title} ({formatNumber(rows.length)})</Title>
      {/* fixed layout: the reason wraps instead of pushing the table off a phone's screen */}
      <Table striped verticalSpacing={4} fz="sm" layout="fixed" data-testid={testId}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={64}>{t('import.line')}</Table.Th>
            <Table.Th w="32%">{t('fields.declarationNo')}</Table.Th>
            <Table.Th>{t('import.reason')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.slice(0, SHOW_ROWS).map((r) => (
            <Table.Tr key={`${r.line}-${r.declarationNo}`} data-line={r.line}>
              <Table.Td>{r.line}</Table.Td>
              <Table.Td style={{ overflowWrap: 'anywhere' }}>{r.declarationNo ?? t('common.none')}</Table.Td>
              <Table.Td style={{ overflowWrap: 'anywhere' }}>{r.reason}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {rows.length > SHOW_ROWS ? <Text size="xs" c="dimmed">{t('import.moreRows', { count: rows.length - SHOW_ROWS })}</Text> : null}
    </Stack>
  );
}

function ResultSummary({ r }: { r: ImportResult }) {
  const { t } = useTranslation();
  const color = r.refused ? 'red' : r.invalid.length || r.duplicates.length ? 'yellow' : 'green';
  const title = r.refused ? t('import.refusedTitle') : t('import.doneTitle');
  return (
    <Stack gap="md" data-testid="import-result" data-refused={String(r.refused)} data-inserted={r.inserted}>
      <Alert color={color} variant="light" title={title} role="status">
        {r.refused ? t('import.refusedText', { count: r.invalid.length }) : t('import.doneText', { count: r.inserted })}
      </Alert>
      <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="xs">
        {([
          ['rows', r.rows], ['inserted', r.inserted], ['duplicates', r.duplicates.length], ['invalid', r.invalid.length],
        ] as const).map(([k, n]) => (
          <Card key={k} withBorder padding="xs" data-testid={`import-count-${k}`}>
            <Text size="xs" c="dimmed">{t(`import.count.${k}`)}</Text>
            <Text fw={700} fz="lg">{formatNumber(n)}</Text>
          </Card>
        ))}
      </SimpleGrid>
      <ProblemTable rows={r.invalid} testId="invalid-rows" title={t('import.invalidRows')} />
      <ProblemTable rows={r.duplicates} testId="duplicate-rows" title={t('import.duplicateRows')} />
    </Stack>
  );
}

/** Import declarations from a CSV in the Korea Customs dataset format. */
export function ImportCsvView({ chooseOrg }: { chooseOrg: boolean }) {
  const { t } = useTranslation();
  const [file, setFile] = useState<File | null>(null);
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [orgId, setOrgId] = useState('');
  const [fileError, setFileError] = useState<string | null>(null);
  const mutation = useImportDeclarations();
  const orgs = useOrgs(chooseOrg);
  const enterprises = (orgs.data?.items ?? []).filter((o) => o.kind === 'enterprise');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    mutation.reset();
    if (!file) return setFileError(t('import.chooseFile'));
    if (file.size > MAX_BYTES) return setFileError(t('import.tooLarge', { max: '64 MB' }));
    if (chooseOrg && !orgId) return;
    setFileError(null);
    const csv = await file.text();
    mutation.mutate({ csv, fileName: file.name, skipInvalid, orgId: chooseOrg ? orgId : undefined });
  };

  return (
    <Stack gap="md">
      <form onSubmit={submit} noValidate data-testid="import-form">
        <Stack gap="sm" maw={560}>
          <Text size="sm" c="dimmed">{t('import.help')}</Text>
          {chooseOrg ? (
            <NativeSelect
              label={t('import.organisation')}
              required
              value={orgId}
              onChange={(e) => setOrgId(e.currentTarget.value)}
              data={[{ value: '', label: t('import.chooseOrganisation') }, ...enterprises.map((o) => ({ value: o.id, label: `${o.name} (${o.code})` }))]}
              data-testid="import-org"
            />
          ) : null}
          <FileInput
            label={t('import.file')}
            placeholder={t('import.filePlaceholder')}
            accept=".csv,text/csv,.json,application/json"
            clearable
            value={file}
            onChange={(f) => {
              setFile(f);
              setFileError(null);
              mutation.reset();
            }}
            error={fileError}
            data-testid="import-file"
          />
          <Checkbox
            label={t('import.skipInvalid')}
            description={t('import.skipInvalidHelp')}
            checked={skipInvalid}
            onChange={(e) => setSkipInvalid(e.currentTarget.checked)}
            data-testid="import-skip-invalid"
          />
          <Group>
            <Button type="submit" loading={mutation.isPending} disabled={chooseOrg && !orgId} data-testid="import-submit">
              {t('import.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
      <ErrorAlert error={mutation.error} />
      {mutation.data ? <ResultSummary r={mutation.data} /> : null}
    </Stack>
  );
}
