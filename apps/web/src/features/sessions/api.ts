import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  CreateSessionResult, DeviceLink, GuidanceBody, InviteResult, SendLinkBody, InspectionOrder, OrderList, SessionDetail, SessionList, SessionListQuery, SessionStep, SessionEvent, StepResultBody,
} from '@rvi/contracts';
import { api } from '../../shared/api/client.ts';
import { liveKeys } from '@rvi/contracts';

/** Query keys under `sessions`: the server's invalidations name this prefix when a session changes. */
export const sessionKeys = {
  all: liveKeys.sessions(),
  list: (q: SessionListQuery) => ['sessions', 'list', q] as const,
  detail: liveKeys.session,
  ready: ['orders', 'ready-for-session'] as const,
};

const enc = encodeURIComponent;

export function useSessions(q: SessionListQuery) {
  return useQuery({ queryKey: sessionKeys.list(q), queryFn: ({ signal }) => api<SessionList>('/api/sessions', { query: { ...q }, signal }) });
}

export function useSession(id: string) {
  return useQuery({
    queryKey: sessionKeys.detail(id),
    queryFn: ({ signal }) => api<SessionDetail>(`/api/sessions/${enc(id)}`, { signal }),
    retry: (n, err) => n < 1 && !(err as { status?: number }).status,
  });
}

/** Remote orders of mine that are booked or in progress: a live session can be opened for them. */
export function useOrdersReadyForSession(enabled: boolean) {
  return useQuery({
    queryKey: sessionKeys.ready,
    enabled,
    queryFn: async ({ signal }) => {
      const [booked, running] = await Promise.all([
        api<OrderList>('/api/orders', { query: { mine: true, state: 'booked' }, signal }),
        api<OrderList>('/api/orders', { query: { mine: true, state: 'in_progress' }, signal }),
      ]);
      return [...booked.items, ...running.items].filter((o: InspectionOrder) => o.mode === 'remote');
    },
  });
}

/**
 * Opens a session. `onOpened` runs from the hook's own callback: it fires even when the button re-mounted while the
 * request was running (the lists refresh as soon as the server commits, before it has e-mailed the link and answered).
 */
export function useOpenSession(onOpened?: (r: CreateSessionResult) => void) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (orderId: string) => api<CreateSessionResult>('/api/sessions', { json: { orderId } }),
    onSuccess: (r) => {
      qc.setQueryData(sessionKeys.detail(r.session.id), r.session);
      void qc.invalidateQueries({ queryKey: ['sessions'] });
      void qc.invalidateQueries({ queryKey: ['orders'] });
      onOpened?.(r);
    },
  });
}

export function useIssueLink() {
  return useMutation({ mutationFn: (id: string) => api<DeviceLink>(`/api/sessions/${enc(id)}/device-link`, { json: {} }) });
}

/** Sends a fresh camera link to the booked operator by e-mail / SMS; the result says per channel what happened. */
export function useSendLink(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: SendLinkBody) => api<InviteResult>(`/api/sessions/${enc(id)}/send-link`, { json: body }),
    onSettled: () => void qc.invalidateQueries({ queryKey: sessionKeys.detail(id) }),
  });
}

function useSessionMutation<V, R>(id: string, fn: (v: V) => Promise<R>) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => void qc.invalidateQueries({ queryKey: sessionKeys.detail(id) }) });
}

export function useGuidance(id: string) {
  return useSessionMutation(id, (body: GuidanceBody) => api<SessionEvent>(`/api/sessions/${enc(id)}/guidance`, { json: body }));
}

export function useStepResult(id: string) {
  return useSessionMutation(id, (v: { stepId: string } & StepResultBody) =>
    api<SessionStep>(`/api/sessions/${enc(id)}/steps/${enc(v.stepId)}/result`, { json: { result: v.result, ...(v.note ? { note: v.note } : {}) } }));
}

export function useAddStep(id: string) {
  return useSessionMutation(id, (text: string) => api<SessionStep>(`/api/sessions/${enc(id)}/steps`, { json: { text } }));
}

export function useEndSession(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<SessionDetail>(`/api/sessions/${enc(id)}/end`, { json: {} }),
    onSuccess: (d) => {
      qc.setQueryData(sessionKeys.detail(id), d);
      void qc.invalidateQueries({ queryKey: ['sessions'] });
    },
  });
}

export function newClientId(prefix: string): string {
  const b = new Uint8Array(10);
  crypto.getRandomValues(b);
  return `${prefix}-${[...b].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}
