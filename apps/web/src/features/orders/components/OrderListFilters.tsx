import { useEffect, useState, type ReactNode } from 'react';
import { Checkbox, Group, NativeSelect, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { ORDER_MODES, ORDER_STATES } from '@rvi/contracts';
import { readOrderListState, writeOrderListState, type OrderListState } from '../list-state.ts';

/** The list's state from the URL and a setter that writes it back (a new page is a history entry, the rest replaces it). */
export function useOrderListState(): [OrderListState, (patch: Partial<OrderListState>) => void] {
  const [params, setParams] = useSearchParams();
  const state = readOrderListState(params);
  const update = (patch: Partial<OrderListState>) => {
    const next = { ...state, ...patch };
    if (!('page' in patch)) next.page = 1;
    setParams(writeOrderListState(next, params), { replace: !('page' in patch) });
  };
  return [state, update];
}

interface Props {
  value: OrderListState;
  onChange(patch: Partial<OrderListState>): void;
  /** States offered in the filter (the inbox leaves out closed and cancelled ones). */
  states?: readonly string[];
  placeholder: string;
  /** The plan: "only orders waiting for an inspector". */
  withUnassigned?: boolean;
  children?: ReactNode;
}

/** Search box (applied after a short pause), state and mode filters. */
export function OrderListFilters({ value, onChange, states = ORDER_STATES, placeholder, withUnassigned, children }: Props) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(value.q);
  const [debounced] = useDebouncedValue(draft, 300);
  useEffect(() => setDraft(value.q), [value.q]);
  useEffect(() => {
    if (debounced !== value.q) onChange({ q: debounced });
  }, [debounced]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <Group gap="xs" mb="sm" align="flex-end" wrap="wrap" role="search" aria-label={t('list.searchLabel')}>
      <TextInput
        flex={1}
        miw={200}
        type="search"
        label={t('list.search')}
        placeholder={placeholder}
        value={draft}
        maxLength={64}
        onChange={(e) => setDraft(e.currentTarget.value)}
        data-testid="list-search"
      />
      <NativeSelect
        label={t('fields.status')}
        value={value.state}
        onChange={(e) => onChange({ state: e.currentTarget.value })}
        data={[{ value: '', label: t('list.allStates') }, ...states.map((s) => ({ value: s, label: t(`orders.state.${s}`) }))]}
        data-testid="list-state"
      />
      <NativeSelect
        label={t('orders.fields.mode')}
        value={value.mode}
        onChange={(e) => onChange({ mode: e.currentTarget.value })}
        data={[{ value: '', label: t('list.allModes') }, ...ORDER_MODES.map((m) => ({ value: m, label: t(`orders.mode.${m}`) }))]}
        data-testid="list-mode"
      />
      {withUnassigned ? (
        <Checkbox
          mb={8}
          label={t('orders.list.unassignedOnly')}
          checked={value.unassigned}
          onChange={(e) => onChange({ unassigned: e.currentTarget.checked })}
          data-testid="list-unassigned"
        />
      ) : null}
      {children}
    </Group>
  );
}
