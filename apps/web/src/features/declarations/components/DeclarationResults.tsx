import { Anchor, Card, Group, SimpleGrid, Stack, Table, Text, UnstyledButton } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import type { Declaration } from '@rvi/contracts';
import { StatusBadge } from '../../../shared/ui/StatusBadge.tsx';
import { formatNumber } from '../../../shared/format.ts';
import type { SortField } from '../list-query.ts';

interface Props {
  items: Declaration[];
  detailPath(id: string): string;
  showOrg: boolean;
  sort: SortField | '';
  order: 'asc' | 'desc';
  onSort(field: SortField): void;
}

function SortHeader({ field, label, sort, order, onSort }: { field: SortField; label: string } & Pick<Props, 'sort' | 'order' | 'onSort'>) {
  const { t } = useTranslation();
  const active = sort === field;
  const arrow = active ? (order === 'asc' ? '▲' : '▼') : '↕';
  return (
    <Table.Th aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : 'none'} style={{ whiteSpace: 'nowrap' }}>
      <UnstyledButton
        onClick={() => onSort(field)}
        aria-label={t('declarations.sortBy', { column: label })}
        data-testid={`sort-${field}`}
        fw={600}
        fz="sm"
      >
        {label} <Text span c={active ? undefined : 'dimmed'} fz="xs" aria-hidden>{arrow}</Text>
      </UnstyledButton>
    </Table.Th>
  );
}

/** Declarations as a table with sortable columns (wide screens); scrolls sideways when space runs short. */
export function DeclarationTable({ items, detailPath, showOrg, ...sortProps }: Props) {
  const { t } = useTranslation();
  return (
    <Table.ScrollContainer minWidth={showOrg ? 1000 : 880}>
      <Table striped highlightOnHover verticalSpacing="xs" data-testid="declarations-table">
        <Table.Thead>
          <Table.Tr>
            <SortHeader field="declarationNo" label={t('fields.declarationNo')} {...sortProps} />
            <SortHeader field="date" label={t('fields.date')} {...sortProps} />
            {showOrg ? <Table.Th>{t('fields.organisation')}</Table.Th> : null}
            <SortHeader field="hs6" label={t('fields.hs6')} {...sortProps} />
            <Table.Th>{t('fields.countryOfOrigin')}</Table.Th>
            <Table.Th>{t('fields.importerCode')}</Table.Th>
            <SortHeader field="netMassKg" label={t('fields.netMassKg')} {...sortProps} />
            <SortHeader field="itemPrice" label={t('fields.itemPrice')} {...sortProps} />
            <Table.Th>{t('fields.status')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((d) => (
            <Table.Tr key={d.id} data-testid="declaration-row" data-declaration-no={d.declarationNo}>
              <Table.Td>
                <Anchor component={Link} to={detailPath(d.id)} fw={600} data-testid="declaration-link">{d.declarationNo}</Anchor>
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{d.date}</Table.Td>
              {showOrg ? <Table.Td>{d.orgName}</Table.Td> : null}
              <Table.Td ff="monospace">{d.hs6}</Table.Td>
              <Table.Td>{d.countryOfOrigin}</Table.Td>
              <Table.Td>{d.importerCode}</Table.Td>
              <Table.Td ta="right">{formatNumber(d.netMassKg)}</Table.Td>
              <Table.Td ta="right">{formatNumber(d.itemPrice)}</Table.Td>
              <Table.Td><StatusBadge status={d.status} /></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** Declarations as cards (phones): every field a user scans for, no sideways scrolling. */
export function DeclarationCards({ items, detailPath, showOrg }: Pick<Props, 'items' | 'detailPath' | 'showOrg'>) {
  const { t } = useTranslation();
  return (
    <Stack gap="xs" data-testid="declarations-cards">
      {items.map((d) => (
        <Card key={d.id} withBorder padding="sm" radius="md" data-testid="declaration-row" data-declaration-no={d.declarationNo}>
          <Group justify="space-between" wrap="nowrap" mb={4}>
            <Anchor component={Link} to={detailPath(d.id)} fw={600} data-testid="declaration-link">{d.declarationNo}</Anchor>
            <StatusBadge status={d.status} />
          </Group>
          {showOrg ? <Text size="xs" c="dimmed" mb={4}>{d.orgName}</Text> : null}
          <SimpleGrid cols={2} spacing={4} verticalSpacing={2}>
            <Text size="xs"><Text span c="dimmed" size="xs">{t('fields.date')}: </Text>{d.date}</Text>
            <Text size="xs"><Text span c="dimmed" size="xs">{t('fields.hs6')}: </Text>{d.hs6}</Text>
            <Text size="xs"><Text span c="dimmed" size="xs">{t('fields.countryOfOrigin')}: </Text>{d.countryOfOrigin}</Text>
            <Text size="xs"><Text span c="dimmed" size="xs">{t('fields.netMassKg')}: </Text>{formatNumber(d.netMassKg)}</Text>
            <Text size="xs" style={{ gridColumn: 'span 2' }}><Text span c="dimmed" size="xs">{t('fields.itemPrice')}: </Text>{formatNumber(d.itemPrice)}</Text>
          </SimpleGrid>
        </Card>
      ))}
    </Stack>
  );
}
