import { useMemo, type ReactNode } from 'react';
import { Group, NativeSelect, Pagination, Paper, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { DECLARATION_SORT_FIELDS } from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { Loading } from '../../../shared/ui/Loading.tsx';
import { PageHeader } from '../../../shared/ui/PageHeader.tsx';
import { formatNumber } from '../../../shared/format.ts';
import { useDeclarationList } from '../api.ts';
import {
  checkFilters, PAGE_SIZES, readListState, toApiQuery, writeListState, FILTER_FIELDS, type ListState, type SortField,
} from '../list-query.ts';
import { DeclarationFilters } from './DeclarationFilters.tsx';
import { DeclarationCards, DeclarationTable } from './DeclarationResults.tsx';

interface Props {
  title: string;
  detailPath(id: string): string;
  /** Customs staff see several enterprises' declarations: show whose each one is. */
  showOrg: boolean;
  actions?: ReactNode;
}

/** Declarations list with filters, sorting and paging; its state lives in the URL. */
export function DeclarationListView({ title, detailPath, showOrg, actions }: Props) {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const state = readListState(params);
  const phone = useMediaQuery('(max-width: 47.99em)', false, { getInitialValueInEffect: false });
  const problems = checkFilters(state);
  const apiQuery = useMemo(() => toApiQuery(state, problems), [params.toString()]); // eslint-disable-line react-hooks/exhaustive-deps
  const list = useDeclarationList(apiQuery);

  const update = (patch: Partial<ListState>) => setParams(writeListState({ ...state, ...patch }), { replace: !('page' in patch) });
  const onSort = (field: SortField) => {
    const order = state.sort === field && state.order === 'asc' ? 'desc' : state.sort === field ? 'asc' : field === 'declarationNo' ? 'asc' : 'desc';
    update({ sort: field, order, page: 1 });
  };

  const data = list.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / state.limit)) : 1;
  const totalText = data ? (data.totalIsExact ? formatNumber(data.total) : `${formatNumber(data.total)}+`) : '';

  return (
    <>
      <PageHeader title={title} actions={actions} testId="page-title" />
      <DeclarationFilters
        value={state}
        onChange={(f) => update({ ...f, page: 1 })}
      />
      {phone ? (
        <Group gap="xs" mb="xs" align="flex-end">
          <NativeSelect
            flex={1}
            size="xs"
            label={t('declarations.sortLabel')}
            value={state.sort ? `${state.sort}:${state.order}` : ''}
            onChange={(e) => {
              const [sort, order] = e.currentTarget.value.split(':');
              update({ sort: (sort || '') as SortField | '', order: order === 'asc' ? 'asc' : 'desc', page: 1 });
            }}
            data={[
              { value: '', label: t('declarations.sortDefault') },
              ...DECLARATION_SORT_FIELDS.flatMap((f) => (['asc', 'desc'] as const).map((o) => ({
                value: `${f}:${o}`, label: `${t(`fields.${f}`)} ${o === 'asc' ? '↑' : '↓'}`,
              }))),
            ]}
            data-testid="sort-select"
          />
        </Group>
      ) : null}
      <ErrorAlert error={list.error} />
      {list.isPending ? <Loading /> : null}
      {data ? (
        <>
          <Group justify="space-between" mb="xs">
            <Text size="sm" c="dimmed" data-testid="declarations-total" aria-live="polite">
              {t('declarations.total', { total: totalText })}
            </Text>
            {list.isFetching ? <Text size="xs" c="dimmed">{t('common.refreshing')}</Text> : null}
          </Group>
          {data.items.length === 0 ? (
            <Paper withBorder p="lg" ta="center" data-testid="declarations-empty">
              <Text c="dimmed">
                {FILTER_FIELDS.some((f) => state[f]) ? t('declarations.emptyFiltered') : t('declarations.empty')}
              </Text>
            </Paper>
          ) : phone ? (
            <DeclarationCards items={data.items} detailPath={detailPath} showOrg={showOrg} />
          ) : (
            <DeclarationTable items={data.items} detailPath={detailPath} showOrg={showOrg} sort={state.sort} order={state.order} onSort={onSort} />
          )}
          <Group justify="space-between" mt="md" gap="xs">
            <NativeSelect
              size="xs"
              label={t('declarations.pageSize')}
              value={String(state.limit)}
              onChange={(e) => update({ limit: Number(e.currentTarget.value), page: 1 })}
              data={PAGE_SIZES.map((n) => String(n))}
              data-testid="page-size"
              w={110}
            />
            {pages > 1 ? (
              <Pagination
                total={pages}
                value={Math.min(state.page, pages)}
                onChange={(page) => update({ page })}
                size="sm"
                siblings={phone ? 0 : 1}
                boundaries={1}
                getControlProps={(c) => ({ 'aria-label': t(`pagination.${c}`) })}
                getItemProps={(page) => ({ 'aria-label': t('pagination.page', { page }) })}
                data-testid="pagination"
              />
            ) : null}
          </Group>
        </>
      ) : null}
    </>
  );
}
