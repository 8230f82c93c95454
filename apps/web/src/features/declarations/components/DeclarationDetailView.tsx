import { useState, type ReactNode } from 'react';
import { Anchor, Badge, Button, Card, Group, Modal, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import type { ArrivalNotice, DeclarationDetail } from '@rvi/contracts';
import { useCodeName } from '../../../shared/ui/CodePickers.tsx';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { StatusBadge } from '../../../shared/ui/StatusBadge.tsx';
import { formatDateTime, formatNumber } from '../../../shared/format.ts';
import { useDeclaration } from '../api.ts';
import { AmendmentsCard } from './AmendmentsCard.tsx';
import { ArrivalNoticeForm } from './ArrivalNoticeForm.tsx';
import { InspectionApplicationForm } from './InspectionApplicationForm.tsx';

/** Fields shown on the detail page, in reading order. */
const FIELDS = [
  'date', 'officeCode', 'processType', 'importType', 'importUse', 'paymentType', 'transportMode', 'declarantCode',
  'importerCode', 'sellerCode', 'courierCode', 'hs6', 'countryOfDeparture', 'countryOfOrigin', 'taxRate', 'taxType',
  'originIndicator', 'netMassKg', 'itemPrice',
] as const;

function Field({ label, value, testId }: { label: string; value: React.ReactNode; testId?: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text size="sm" fw={500} data-testid={testId} style={{ overflowWrap: 'anywhere' }}>{value}</Text>
    </div>
  );
}

function fieldValue(d: DeclarationDetail, f: (typeof FIELDS)[number], dash: string): string {
  const v = d[f];
  if (v === null || v === undefined || v === '') return dash;
  return typeof v === 'number' ? formatNumber(v, 4) : String(v);
}

/** `extra` is shown under the declaration's fields (e.g. the customs console's risk panel). */
export function DeclarationDetailView({ id, backPath, extra }: { id: string; backPath: string; extra?: ReactNode }) {
  const { t } = useTranslation();
  const q = useDeclaration(id);
  const phone = useMediaQuery('(max-width: 47.99em)', false, { getInitialValueInEffect: false });
  const [dialog, setDialog] = useState<'arrival' | 'apply' | null>(null);
  const [editing, setEditing] = useState<ArrivalNotice | null>(null);
  const names = useCodeName();

  if (q.isPending) return <Loading />;
  if (q.error || !q.data) {
    return (
      <Stack>
        <ErrorAlert error={q.error} testId="detail-error" />
        <Anchor component={Link} to={backPath}>{t('declarations.backToList')}</Anchor>
      </Stack>
    );
  }
  const d = q.data;
  const dash = t('common.none');

  return (
    <>
      <Anchor component={Link} to={backPath} size="sm">← {t('declarations.backToList')}</Anchor>
      <PageHeader
        testId="detail-title"
        title={<>{t('declarations.detailTitle', { no: d.declarationNo })}</>}
        actions={(
          <>
            {d.can.fileArrivalNotice ? (
              <Button onClick={() => setDialog('arrival')} data-testid="open-arrival-notice">{t('arrival.open')}</Button>
            ) : null}
            {d.can.apply ? (
              <Button variant="light" onClick={() => setDialog('apply')} data-testid="open-apply">{t('apply.open')}</Button>
            ) : null}
          </>
        )}
      />
      <Card withBorder mb="md" data-testid="declaration-fields">
        <Group gap="xs" mb="sm">
          <StatusBadge status={d.status} />
          <Badge variant="outline" color="gray">{t(`source.${d.source}`)}</Badge>
          <Text size="sm" c="dimmed">{d.orgName}</Text>
        </Group>
        <SimpleGrid cols={{ base: 2, sm: 3, md: 4 }} spacing="sm" verticalSpacing="sm">
          <Field label={t('fields.declarationNo')} value={d.declarationNo} testId="field-declarationNo" />
          {FIELDS.map((f) => <Field key={f} label={t(`fields.${f}`)} value={fieldValue(d, f, dash)} testId={`field-${f}`} />)}
          <Field label={t('fields.createdAt')} value={formatDateTime(d.createdAt)} />
        </SimpleGrid>
        {d.goodsDescription ? (
          <Stack gap={0} mt="sm">
            <Text size="xs" c="dimmed">{t('fields.goodsDescription')}</Text>
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>{d.goodsDescription}</Text>
          </Stack>
        ) : null}
      </Card>
      <GoodsCard d={d} names={names} />
      <AmendmentsCard d={d} />
      {extra}

      <Title order={3} fz="md" mb="xs">{t('arrival.title')}</Title>
      {d.arrivalNotices.length === 0 ? (
        <Text size="sm" c="dimmed" mb="md" data-testid="arrival-notices-empty">{t('arrival.none')}</Text>
      ) : (
        <Stack gap="xs" mb="md" data-testid="arrival-notices">
          {d.arrivalNotices.map((n) => (
            <Card key={n.id} withBorder padding="sm" data-testid="arrival-notice">
              <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs">
                <Field label={t('arrival.expectedArrivalAt')} value={formatDateTime(n.expectedArrivalAt)} />
                <Field label={t('arrival.location')} value={n.location} />
                <Field label={t('arrival.containerNumbers')} value={n.containerNumbers.length ? n.containerNumbers.join(', ') : dash} />
              </SimpleGrid>
              <Field label={t('arrival.goodsSummary')} value={n.goodsSummary} />
              <Group justify="space-between" mt={4}>
                <Text size="xs" c="dimmed" data-testid="arrival-notice-status" data-status={n.status}>
                  {t('common.filedAt', { at: formatDateTime(n.createdAt) })}
                  {n.updatedAt ? ` · ${t('arrival.updatedAt', { at: formatDateTime(n.updatedAt) })}` : ''} · {t(`arrival.status.${n.status}`, { defaultValue: n.status })}
                </Text>
                {n.can?.update ? <Button size="compact-xs" variant="light" onClick={() => setEditing(n)} data-testid="edit-arrival-notice">{t('arrival.edit')}</Button> : null}
              </Group>
            </Card>
          ))}
        </Stack>
      )}

      <Title order={3} fz="md" mb="xs">{t('apply.title')}</Title>
      {d.applications.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="applications-empty">{t('apply.none')}</Text>
      ) : (
        <Stack gap="xs" data-testid="applications">
          {d.applications.map((a) => (
            <Card key={a.id} withBorder padding="sm" data-testid="application">
              <Group gap="xs">
                <Badge variant="light">{t(`apply.mode.${a.preferredMode}`)}</Badge>
                <Text size="xs" c="dimmed">{t('common.filedAt', { at: formatDateTime(a.createdAt) })} · {t(`recordStatus.${a.status}`, { defaultValue: a.status })}</Text>
              </Group>
              {a.note ? <Text size="sm" mt={4} style={{ whiteSpace: 'pre-wrap' }}>{a.note}</Text> : null}
            </Card>
          ))}
        </Stack>
      )}

      <Modal opened={dialog === 'arrival'} onClose={() => setDialog(null)} title={t('arrival.open')} fullScreen={phone} size="lg">
        <ArrivalNoticeForm declarationId={d.id} onDone={() => setDialog(null)} />
      </Modal>
      <Modal opened={!!editing} onClose={() => setEditing(null)} title={t('arrival.edit')} fullScreen={phone} size="lg">
        {editing ? <ArrivalNoticeForm declarationId={d.id} notice={editing} onDone={() => setEditing(null)} /> : null}
      </Modal>
      <Modal opened={dialog === 'apply'} onClose={() => setDialog(null)} title={t('apply.open')} fullScreen={phone}>
        <InspectionApplicationForm declarationId={d.id} onDone={() => setDialog(null)} />
      </Modal>
    </>
  );
}

/** What the goods carry: packages, gross mass, value and currency, containers with their seals, goods lines. */
function GoodsCard({ d, names }: { d: DeclarationDetail; names: ReturnType<typeof useCodeName> }) {
  const { t } = useTranslation();
  const dash = t('common.none');
  return (
    <Card withBorder mb="md" data-testid="declaration-goods">
      <Group justify="space-between" mb="xs">
        <Title order={3} fz="md">{t('declarations.goodsTitle')}</Title>
        {d.version > 1 ? <Badge variant="light" color="grape" data-testid="declaration-version">{t('declarations.version', { version: d.version })}</Badge> : null}
      </Group>
      <SimpleGrid cols={{ base: 2, sm: 3, md: 4 }} spacing="sm" verticalSpacing="sm" mb="sm">
        <Field label={t('fields.packageCount')} value={d.packageCount !== null ? `${formatNumber(d.packageCount)}${d.packageKind ? ` × ${names.packageKind(d.packageKind)} (${d.packageKind})` : ''}` : dash} testId="field-packages" />
        <Field label={t('fields.grossMassKg')} value={d.grossMassKg !== null ? formatNumber(d.grossMassKg) : dash} testId="field-grossMassKg" />
        <Field label={t('fields.customsValue')} value={d.customsValue !== null ? `${formatNumber(d.customsValue)} ${d.currency ?? ''}` : dash} testId="field-customsValue" />
        <Field label={t('fields.countryOfOrigin')} value={`${d.countryOfOrigin} · ${names.country(d.countryOfOrigin)}`} />
        {d.packageMarks ? <Field label={t('fields.packageMarks')} value={d.packageMarks} /> : null}
      </SimpleGrid>
      <Text size="xs" c="dimmed">{t('fields.containers')}</Text>
      {d.containers.length === 0 ? <Text size="sm">{dash}</Text> : (
        <Stack gap={2} mb="sm" data-testid="declaration-containers">
          {d.containers.map((c) => (
            <Text key={c.number} size="sm" data-testid="declaration-container">
              <Text span fw={600} ff="monospace">{c.number}</Text>{c.sizeType ? ` (${c.sizeType})` : ''} · {t('declarations.seals', { count: c.seals.length, seals: c.seals.join(', ') || dash })}
            </Text>
          ))}
        </Stack>
      )}
      {d.goodsLines.length ? (
        <Stack gap={2} data-testid="declaration-lines">
          <Text size="xs" c="dimmed">{t('fields.goodsLines')}</Text>
          {d.goodsLines.map((g) => (
            <Text key={g.lineNo} size="sm" data-testid="declaration-line">
              {g.lineNo}. {g.hsCode} · {g.description} · {formatNumber(g.quantity)} {names.unit(g.unit)}
              {g.netMassKg != null ? ` · ${formatNumber(g.netMassKg)} kg` : ''}{g.value != null ? ` · ${formatNumber(g.value)} ${d.currency ?? ''}` : ''}
            </Text>
          ))}
        </Stack>
      ) : null}
    </Card>
  );
}
