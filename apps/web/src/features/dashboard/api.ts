import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type {
  DemoHistoryStatus, EnterpriseCostFigure, FigureName, HitRateFigure, InspectorThroughputFigure, LiveAlerts, LiveQueues, LiveSessions, ReleaseTimeFigure, RemoteShareFigure,
} from '@rvi/contracts';
import { api, buildUrl } from '../../shared/api/client.ts';
import { liveKeys } from '@rvi/contracts';

/**
 * Query keys. The live wall's queries sit under the prefixes the server's invalidations already name (`sessions`
 * when a session changes, `orders` when an order does); the figures under `dashboard`, which the figure refresh
 * announces to the office after it brought the tables up to date.
 */
export const dashboardKeys = {
  // below the live keys the server refreshes: sessions, orders, dashboard
  tiles: [...liveKeys.sessions(), 'command-tiles'] as const,
  queues: [...liveKeys.orders(), 'command-queues'] as const,
  alerts: [...liveKeys.orders(), 'command-alerts'] as const,
  figure: (name: FigureName, f: FigureFilterInput) => [...liveKeys.dashboard(), 'figure', name, f] as const,
};

export interface FigureFilterInput {
  from?: string;
  to?: string;
  channel?: 'green' | 'yellow' | 'red';
  mode?: 'remote' | 'onsite';
}

export interface FigureTypes {
  'release-time': ReleaseTimeFigure;
  'inspector-throughput': InspectorThroughputFigure;
  'remote-share': RemoteShareFigure;
  'hit-rate': HitRateFigure;
  'enterprise-cost': EnterpriseCostFigure;
}

export function useLiveSessions() {
  // Sessions change state through invalidations; the poll only catches network figures, which are not announced.
  return useQuery({ queryKey: dashboardKeys.tiles, queryFn: ({ signal }) => api<LiveSessions>('/api/dashboard/live/sessions', { signal }), refetchInterval: 15_000 });
}

export function useQueues() {
  return useQuery({ queryKey: dashboardKeys.queues, queryFn: ({ signal }) => api<LiveQueues>('/api/dashboard/live/queues', { signal }), refetchInterval: 60_000 });
}

/** Alerts depend on time passing (a minute of bad network, a target time): polled besides the invalidations. */
export function useAlerts() {
  return useQuery({ queryKey: dashboardKeys.alerts, queryFn: ({ signal }) => api<LiveAlerts>('/api/dashboard/live/alerts', { signal }), refetchInterval: 15_000 });
}

const clean = (f: FigureFilterInput) => Object.fromEntries(Object.entries(f).filter(([, v]) => v)) as FigureFilterInput;

export function useFigure<N extends FigureName>(name: N, filter: FigureFilterInput) {
  const f = clean(filter);
  return useQuery({
    queryKey: dashboardKeys.figure(name, f),
    queryFn: ({ signal }) => api<FigureTypes[N]>(`/api/dashboard/figures/${name}`, { query: { ...f }, signal }),
    placeholderData: keepPreviousData,
  });
}

/** The CSV download of a figure (same filter; the browser saves it). */
export function figureCsvUrl(name: FigureName, filter: FigureFilterInput): string {
  return buildUrl(`/api/dashboard/figures/${name}`, { ...clean(filter), format: 'csv' });
}

/** The simulated demo history's progress (first start with demo data); polled while it runs. */
export function useDemoHistory() {
  return useQuery({
    queryKey: ['dashboard', 'demo-history'],
    queryFn: ({ signal }) => api<DemoHistoryStatus>('/api/demo-history', { signal }),
    refetchInterval: (q) => (q.state.data?.state === 'running' ? 5_000 : false),
  });
}
