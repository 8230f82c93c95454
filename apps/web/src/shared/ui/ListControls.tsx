// Pieces every server-paged list uses: a sortable column header (aria-sort, a button per column) and the pager with
// the page-size choice.
import type { ReactNode } from 'react';
import { Group, NativeSelect, Pagination, Table, Text, UnstyledButton } from '@mantine/core';
import { useTranslation } from 'react-i18next';

interface SortableThProps<F extends string> {
  field: F;
  label: ReactNode;
  /** The column's name for the button's label ("Sort by …"). */
  name: string;
  sort: F | '';
  order: 'asc' | 'desc';
  onSort(field: F): void;
  /** The sort the server applies when none is chosen (shown as active). */
  defaultSort?: F;
}

export function SortableTh<F extends string>({ field, label, name, sort, order, onSort, defaultSort }: SortableThProps<F>) {
  const { t } = useTranslation();
  const active = (sort || defaultSort) === field;
  const arrow = active ? (order === 'asc' ? '▲' : '▼') : '↕';
  return (
    <Table.Th aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : 'none'} style={{ whiteSpace: 'nowrap' }}>
      <UnstyledButton onClick={() => onSort(field)} aria-label={t('list.sortBy', { column: name })} data-testid={`sort-${field}`} data-active={active || undefined} fw={600} fz="sm">
        {label} <Text span c={active ? undefined : 'dimmed'} fz="xs" aria-hidden>{arrow}</Text>
      </UnstyledButton>
    </Table.Th>
  );
}

interface PagerProps {
  page: number;
  pages: number;
  limit: number;
  sizes: readonly number[];
  onPage(page: number): void;
  onLimit(limit: number): void;
  compact?: boolean;
}

export function ListPager({ page, pages, limit, sizes, onPage, onLimit, compact }: PagerProps) {
  const { t } = useTranslation();
  return (
    <Group justify="space-between" mt="md" gap="xs">
      <NativeSelect
        size="xs"
        label={t('list.pageSize')}
        value={String(limit)}
        onChange={(e) => onLimit(Number(e.currentTarget.value))}
        data={sizes.map((n) => String(n))}
        data-testid="page-size"
        w={110}
      />
      {pages > 1 ? (
        <Pagination
          total={pages}
          value={Math.min(page, pages)}
          onChange={onPage}
          size="sm"
          siblings={compact ? 0 : 1}
          boundaries={1}
          getControlProps={(c) => ({ 'aria-label': t(`pagination.${c}`) })}
          getItemProps={(p) => ({ 'aria-label': t('pagination.page', { page: p }) })}
          data-testid="pagination"
        />
      ) : null}
    </Group>
  );
}
