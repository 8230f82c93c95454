import {
  DECLARATION_SORT_FIELDS, DECLARATION_STATUSES, DeclarationListQuery,
  type DeclarationStatus,
} from '@rvi/contracts';
import { checkObject, type Problems } from '../../shared/validation/schema-check.ts';

export type SortField = (typeof DECLARATION_SORT_FIELDS)[number];
export const PAGE_SIZES = [20, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 20;

/** The list's state as kept in the URL (so back/forward and shared links restore it). */
export interface ListState {
  q: string;
  hs6: string;
  countryOfOrigin: string;
  status: DeclarationStatus | '';
  dateFrom: string;
  dateTo: string;
  sort: SortField | '';
  order: 'asc' | 'desc';
  page: number;
  limit: number;
}

export const FILTER_FIELDS = ['q', 'hs6', 'countryOfOrigin', 'status', 'dateFrom', 'dateTo'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

export function readListState(p: URLSearchParams): ListState {
  const status = p.get('status') ?? '';
  const sort = p.get('sort') ?? '';
  const limit = Number(p.get('limit'));
  const page = Number(p.get('page'));
  return {
    q: p.get('q') ?? '',
    hs6: p.get('hs6') ?? '',
    countryOfOrigin: p.get('countryOfOrigin') ?? '',
    status: (DECLARATION_STATUSES as readonly string[]).includes(status) ? (status as DeclarationStatus) : '',
    dateFrom: p.get('dateFrom') ?? '',
    dateTo: p.get('dateTo') ?? '',
    sort: (DECLARATION_SORT_FIELDS as readonly string[]).includes(sort) ? (sort as SortField) : '',
    order: p.get('order') === 'asc' ? 'asc' : 'desc',
    page: Number.isInteger(page) && page >= 1 ? page : 1,
    limit: (PAGE_SIZES as readonly number[]).includes(limit) ? limit : DEFAULT_PAGE_SIZE,
  };
}

export function writeListState(s: ListState): URLSearchParams {
  const p = new URLSearchParams();
  for (const f of FILTER_FIELDS) if (s[f]) p.set(f, s[f]);
  if (s.sort) {
    p.set('sort', s.sort);
    p.set('order', s.order);
  }
  if (s.page > 1) p.set('page', String(s.page));
  if (s.limit !== DEFAULT_PAGE_SIZE) p.set('limit', String(s.limit));
  return p;
}

/** Filter problems, checked with the server's own query schema (plus from ≤ to). */
export function checkFilters(s: Pick<ListState, FilterField>): Problems {
  const value: Record<string, unknown> = {};
  for (const f of FILTER_FIELDS) if (s[f]) value[f] = s[f];
  const problems = checkObject(DeclarationListQuery, value);
  if (!problems.dateFrom && !problems.dateTo && s.dateFrom && s.dateTo && s.dateFrom > s.dateTo) {
    problems.dateTo = { code: 'dateOrder' };
  }
  return problems;
}

/** The API query for a (valid) list state; invalid filters are left out rather than sent. */
export function toApiQuery(s: ListState, problems: Problems): DeclarationListQuery {
  const q: DeclarationListQuery = { limit: s.limit, offset: Math.min((s.page - 1) * s.limit, 1_000_000) };
  if (s.sort) {
    q.sort = s.sort;
    q.order = s.order;
  }
  if (s.q && !problems.q) q.q = s.q;
  if (s.hs6 && !problems.hs6) q.hs6 = s.hs6;
  if (s.countryOfOrigin && !problems.countryOfOrigin) q.countryOfOrigin = s.countryOfOrigin;
  if (s.status && !problems.status) q.status = s.status;
  if (s.dateFrom && !problems.dateFrom) q.dateFrom = s.dateFrom;
  if (s.dateTo && !problems.dateTo) q.dateTo = s.dateTo;
  return q;
}
