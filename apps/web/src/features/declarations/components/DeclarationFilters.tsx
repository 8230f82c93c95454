import { useEffect, useState } from 'react';
import { Button, Collapse, Group, NativeSelect, SimpleGrid, TextInput } from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { DECLARATION_STATUSES } from '@rvi/contracts';
import { problemTexts } from '../../../shared/validation/problem-text.ts';
import { checkFilters, FILTER_FIELDS, type FilterField, type ListState } from '../list-query.ts';

type Filters = Pick<ListState, FilterField>;

interface Props {
  value: Filters;
  /** Called (debounced) with the new filters; invalid ones are shown next to their field and not applied. */
  onChange(next: Filters): void;
}

const pickFilters = (v: Filters): Filters => Object.fromEntries(FILTER_FIELDS.map((f) => [f, v[f]])) as Filters;

export function DeclarationFilters({ value, onChange }: Props) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Filters>(() => pickFilters(value));
  const [debounced] = useDebouncedValue(draft, 350);
  // the search box is always shown; the count and the panel's first state concern the others
  const activeCount = FILTER_FIELDS.filter((f) => f !== 'q' && value[f]).length;
  const [open, { toggle }] = useDisclosure(activeCount > 0);

  // URL changed from outside (back button, reset): follow it.
  useEffect(() => setDraft(pickFilters(value)), [FILTER_FIELDS.map((f) => value[f]).join('\u0000')]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    if (FILTER_FIELDS.some((f) => debounced[f] !== value[f])) onChange(debounced);
  }, [debounced]); // eslint-disable-line react-hooks/exhaustive-deps

  const errors = problemTexts(t, checkFilters(draft), 'filterPatterns');
  const set = (field: FilterField, v: string) => setDraft((d) => ({ ...d, [field]: v }));
  const clear = () => {
    const empty = Object.fromEntries(FILTER_FIELDS.map((f) => [f, ''])) as Filters;
    setDraft(empty);
    onChange(empty);
  };

  return (
    <div role="search" aria-label={t('declarations.filters.title')}>
      <Group gap="xs" mb="xs">
        <TextInput
          flex={1}
          miw={160}
          label={t('declarations.filters.search')}
          placeholder={t('declarations.filters.searchPlaceholder')}
          value={draft.q}
          maxLength={64}
          onChange={(e) => set('q', e.currentTarget.value)}
          error={errors.q}
          data-testid="filter-q"
        />
        <Button variant="light" onClick={toggle} mt={24} aria-expanded={open} data-testid="filters-toggle">
          {t('declarations.filters.more')}{activeCount ? ` (${activeCount})` : ''}
        </Button>
      </Group>
      <Collapse expanded={open}>
        <SimpleGrid cols={{ base: 2, md: 5 }} spacing="xs" mb="xs">
          <TextInput
            label={t('declarations.filters.hs6')}
            placeholder="8517"
            inputMode="numeric"
            maxLength={6}
            value={draft.hs6}
            onChange={(e) => set('hs6', e.currentTarget.value.trim())}
            error={errors.hs6}
            data-testid="filter-hs6"
          />
          <TextInput
            label={t('declarations.filters.origin')}
            placeholder="CN"
            maxLength={2}
            value={draft.countryOfOrigin}
            onChange={(e) => set('countryOfOrigin', e.currentTarget.value.trim().toUpperCase())}
            error={errors.countryOfOrigin}
            data-testid="filter-origin"
          />
          <NativeSelect
            label={t('declarations.filters.status')}
            value={draft.status}
            onChange={(e) => set('status', e.currentTarget.value)}
            data={[{ value: '', label: t('declarations.filters.anyStatus') }, ...DECLARATION_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))]}
            data-testid="filter-status"
          />
          <TextInput
            type="date"
            label={t('declarations.filters.dateFrom')}
            value={draft.dateFrom}
            onChange={(e) => set('dateFrom', e.currentTarget.value)}
            error={errors.dateFrom}
            data-testid="filter-date-from"
          />
          <TextInput
            type="date"
            label={t('declarations.filters.dateTo')}
            value={draft.dateTo}
            onChange={(e) => set('dateTo', e.currentTarget.value)}
            error={errors.dateTo}
            data-testid="filter-date-to"
          />
        </SimpleGrid>
        <Group justify="flex-end" mb="xs">
          <Button variant="subtle" size="xs" onClick={clear} disabled={!FILTER_FIELDS.some((f) => draft[f])} data-testid="filters-clear">
            {t('declarations.filters.clear')}
          </Button>
        </Group>
      </Collapse>
    </div>
  );
}
