import { ORDER_MODES, ORDER_SORT_FIELDS, ORDER_STATES, type OrderListQuery, type OrderSortField, type PlanQuery } from '@rvi/contracts';

export const ORDER_PAGE_SIZES = [20, 50, 100] as const;
export const DEFAULT_ORDER_PAGE_SIZE = 20;
const MAX_SEARCH = 64;
const LIST_PARAMS = ['q', 'state', 'mode', 'sort', 'dir', 'from', 'days', 'unassigned', 'page', 'limit'];

/** An order list's state as kept in the URL, so a reload, back/forward or a shared link shows the same page. */
export interface OrderListState {
  q: string;
  state: string;
  mode: string;
  sort: OrderSortField | '';
  order: 'asc' | 'desc';
  page: number;
  limit: number;
  /** The plan only: first day, number of days, only orders waiting for an inspector. */
  from: string;
  days: 1 | 7;
  unassigned: boolean;
}

/** A real calendar day (2030-02-31 is not one). */
const isDate = (v: string) => {
  const d = new Date(`${v}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(d.getTime()) && d.toISOString().startsWith(v);
};

export function readOrderListState(p: URLSearchParams): OrderListState {
  const state = p.get('state') ?? '';
  const mode = p.get('mode') ?? '';
  const sort = p.get('sort') ?? '';
  const page = Number(p.get('page'));
  const limit = Number(p.get('limit'));
  const from = p.get('from') ?? '';
  return {
    q: (p.get('q') ?? '').slice(0, MAX_SEARCH),
    state: (ORDER_STATES as readonly string[]).includes(state) ? state : '',
    mode: (ORDER_MODES as readonly string[]).includes(mode) ? mode : '',
    sort: (ORDER_SORT_FIELDS as readonly string[]).includes(sort) ? (sort as OrderSortField) : '',
    order: p.get('dir') === 'desc' ? 'desc' : 'asc',
    page: Number.isInteger(page) && page >= 1 ? page : 1,
    limit: (ORDER_PAGE_SIZES as readonly number[]).includes(limit) ? limit : DEFAULT_ORDER_PAGE_SIZE,
    from: isDate(from) ? from : '',
    days: p.get('days') === '7' ? 7 : 1,
    unassigned: p.get('unassigned') === '1',
  };
}

/** The URL parameters of a state; defaults are left out so links stay short; parameters of others (e.g. ?order=) are kept. */
export function writeOrderListState(s: OrderListState, keep?: URLSearchParams): URLSearchParams {
  const p = new URLSearchParams();
  for (const [k, v] of keep ?? []) if (!LIST_PARAMS.includes(k)) p.set(k, v);
  if (s.q.trim()) p.set('q', s.q);
  if (s.state) p.set('state', s.state);
  if (s.mode) p.set('mode', s.mode);
  if (s.sort) {
    p.set('sort', s.sort);
    // 'dir', not 'order': ?order=<id> names the order a notification points at
    p.set('dir', s.order);
  }
  if (s.from) p.set('from', s.from);
  if (s.days !== 1) p.set('days', String(s.days));
  if (s.unassigned) p.set('unassigned', '1');
  if (s.page > 1) p.set('page', String(s.page));
  if (s.limit !== DEFAULT_ORDER_PAGE_SIZE) p.set('limit', String(s.limit));
  return p;
}

/** Clicking a column header: a new column sorts ascending (dates newest first), the same column flips. */
export function nextSort(s: Pick<OrderListState, 'sort' | 'order'>, field: OrderSortField): Pick<OrderListState, 'sort' | 'order'> {
  if (s.sort === field) return { sort: field, order: s.order === 'asc' ? 'desc' : 'asc' };
  return { sort: field, order: field === 'createdAt' ? 'desc' : 'asc' };
}

function common(s: OrderListState): Pick<OrderListQuery, 'q' | 'state' | 'mode' | 'sort' | 'order' | 'limit' | 'offset'> {
  const q: Pick<OrderListQuery, 'q' | 'state' | 'mode' | 'sort' | 'order' | 'limit' | 'offset'> = {
    limit: s.limit, offset: Math.min((s.page - 1) * s.limit, 1_000_000),
  };
  if (s.q.trim()) q.q = s.q.trim();
  if (s.state) q.state = s.state as OrderListQuery['state'];
  if (s.mode) q.mode = s.mode as OrderListQuery['mode'];
  if (s.sort) {
    q.sort = s.sort;
    q.order = s.order;
  }
  return q;
}

/** The inspector's inbox: my orders still in the workflow. */
export function inboxQuery(s: OrderListState): OrderListQuery {
  return { ...common(s), mine: true, open: true };
}

/** The enterprise's inspections (customs-only sorts never sent). */
export function inspectionsQuery(s: OrderListState): OrderListQuery {
  const q: OrderListQuery = common(s);
  if (q.sort === 'queue' || q.sort === 'inspector') {
    delete q.sort;
    delete q.order;
  }
  return q;
}

export function planQuery(s: OrderListState): PlanQuery {
  return { ...common(s), ...(s.from ? { from: s.from } : {}), days: s.days, ...(s.unassigned ? { unassigned: true } : {}) };
}

/** Number of pages for a total (at least one). */
export const pageCount = (total: number, limit: number) => Math.max(1, Math.ceil(total / limit));
