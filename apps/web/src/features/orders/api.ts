import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  BookBody, CandidateList, DecideEligibilityBody, DispatchSettingsInput, OrderSettings, DispatchRunView, EligibilityView, InspectionOrder, InspectorView, OrderDetail, OrderList,
  OrderListQuery, Plan, PlanQuery, RuleSetInput, RuleSetView, ScheduleVisitBody, SlotList,
} from '@rvi/contracts';
import { api } from '../../shared/api/client.ts';
import { liveKeys } from '@rvi/contracts';

/**
 * Query keys under `orders` (and `eligibility`, `dispatch`): the server's live invalidations name these prefixes,
 * so a change made by someone else refreshes every open page that shows it.
 */
export const orderKeys = {
  all: liveKeys.orders(),
  list: (q: OrderListQuery) => ['orders', 'list', q] as const,
  detail: (id: string) => ['orders', 'detail', id] as const,
  plan: (q: PlanQuery) => ['orders', 'plan', q] as const,
  slots: (id: string, from: string, operator: string) => ['orders', 'slots', id, from, operator] as const,
  operators: ['orders', 'operators'] as const,
  applications: ['orders', 'applications'] as const,
  inspectors: ['orders', 'inspectors'] as const,
  candidates: (id: string, date: string) => ['orders', 'candidates', id, date] as const,
  settings: ['orders', 'settings'] as const,
  eligibility: (id: string) => ['eligibility', 'order', id] as const,
  rules: ['eligibility', 'rules'] as const,
};

const enc = encodeURIComponent;

export function useOrders(q: OrderListQuery) {
  return useQuery({
    queryKey: orderKeys.list(q),
    queryFn: ({ signal }) => api<OrderList>('/api/orders', { query: { ...q }, signal }),
    placeholderData: keepPreviousData,
  });
}

export function useOrder(id: string, enabled = true) {
  return useQuery({
    queryKey: orderKeys.detail(id),
    queryFn: ({ signal }) => api<OrderDetail>(`/api/orders/${enc(id)}`, { signal }),
    enabled: enabled && !!id,
    retry: (n, err) => n < 1 && !(err as { status?: number }).status,
  });
}

export function usePlan(q: PlanQuery) {
  return useQuery({
    queryKey: orderKeys.plan(q),
    queryFn: ({ signal }) => api<Plan>('/api/orders/plan', { query: { ...q }, signal }),
    placeholderData: keepPreviousData,
  });
}

export interface PendingApplication {
  id: string;
  declarationId: string;
  declarationNo: string;
  enterpriseName: string;
  preferredMode: string;
  note: string | null;
  createdAt: string;
}

export function useApplications(enabled: boolean) {
  return useQuery({
    queryKey: orderKeys.applications,
    queryFn: ({ signal }) => api<{ items: PendingApplication[] }>('/api/inspection-applications', { signal }),
    enabled,
  });
}

export function useInspectors(enabled = true) {
  return useQuery({
    queryKey: orderKeys.inspectors,
    queryFn: ({ signal }) => api<{ items: InspectorView[] }>('/api/inspectors', { signal }),
    enabled,
    staleTime: 60_000,
  });
}

/** Every inspector of the office checked against the dispatch rules for one order and day (the assign dialog). */
export function useCandidates(id: string, date: string) {
  return useQuery({
    queryKey: orderKeys.candidates(id, date),
    queryFn: ({ signal }) => api<CandidateList>(`/api/orders/${enc(id)}/candidates`, { query: { date: date || undefined }, signal }),
    placeholderData: keepPreviousData,
  });
}

export function useOrderSettings(enabled = true) {
  return useQuery({
    queryKey: orderKeys.settings,
    queryFn: ({ signal }) => api<OrderSettings>('/api/order-settings', { signal }),
    enabled,
  });
}

export function useOperators(enabled = true) {
  return useQuery({
    queryKey: orderKeys.operators,
    queryFn: ({ signal }) => api<{ items: { id: string; name: string; role: string }[] }>('/api/orders/operators', { signal }),
    enabled,
    staleTime: 5 * 60_000,
  });
}

export function useEligibility(id: string, enabled: boolean) {
  return useQuery({
    queryKey: orderKeys.eligibility(id),
    queryFn: ({ signal }) => api<EligibilityView>(`/api/orders/${enc(id)}/eligibility`, { signal }),
    enabled,
  });
}

export function useFreeSlots(id: string, from: string, operatorUserId: string, enabled: boolean) {
  return useQuery({
    queryKey: orderKeys.slots(id, from, operatorUserId),
    queryFn: ({ signal }) => api<SlotList>(`/api/orders/${enc(id)}/slots`, { query: { from, days: 1, operatorUserId: operatorUserId || undefined }, signal }),
    enabled: enabled && !!from,
  });
}

export function useRuleSets(enabled = true) {
  return useQuery({
    queryKey: orderKeys.rules,
    queryFn: ({ signal }) => api<{ active: RuleSetView; versions: RuleSetView[] }>('/api/eligibility/rule-sets', { signal }),
    enabled,
  });
}

/** A mutation that refreshes every orders/eligibility query afterwards (the server also pushes invalidations). */
function useOrderMutation<I, O>(fn: (input: I) => Promise<O>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: orderKeys.all });
      void qc.invalidateQueries({ queryKey: liveKeys.eligibility() });
      void qc.invalidateQueries({ queryKey: ['notifications'] });
    },
  });
}

export const useRunDispatch = () => useOrderMutation((date: string | undefined) => api<DispatchRunView>('/api/dispatch/runs', { json: date ? { date } : {} }));
type HandAssignment = { id: string; inspectorId: string; reason: string; date?: string; override?: boolean };
const handBody = ({ id: _id, ...body }: HandAssignment) => body;
export const useReassign = () => useOrderMutation((v: HandAssignment) => api<InspectionOrder>(`/api/orders/${enc(v.id)}/reassign`, { json: handBody(v) }));
export const useAssign = () => useOrderMutation((v: HandAssignment) => api<InspectionOrder>(`/api/orders/${enc(v.id)}/assign`, { json: handBody(v) }));
export const useSaveDispatchSettings = () => useOrderMutation((body: DispatchSettingsInput) => api<OrderSettings>('/api/order-settings/dispatch', { method: 'PUT', json: body }));
export const useSaveCapacity = () => useOrderMutation((v: { id: string; qualifications: string[]; dailyCapacity: number; active: boolean }) =>
  api<void>(`/api/inspectors/${enc(v.id)}/profile`, { method: 'PUT', json: { qualifications: v.qualifications, dailyCapacity: v.dailyCapacity, active: v.active } }));
export const useCancelOrder = () => useOrderMutation((v: { id: string; reason: string }) => api<InspectionOrder>(`/api/orders/${enc(v.id)}/cancel`, { json: { reason: v.reason } }));
export const useAcceptApplication = () => useOrderMutation((id: string) => api<InspectionOrder>(`/api/inspection-applications/${enc(id)}/accept`, { json: {} }));
export const useDecideEligibility = () => useOrderMutation((v: { id: string } & DecideEligibilityBody) =>
  api<InspectionOrder>(`/api/orders/${enc(v.id)}/eligibility`, { json: { mode: v.mode, ...(v.reason ? { reason: v.reason } : {}) } }));
export const useRegisterRemote = () => useOrderMutation((id: string) => api<InspectionOrder>(`/api/orders/${enc(id)}/register-remote`, { json: {} }));
export const useScheduleVisit = () => useOrderMutation((v: { id: string } & ScheduleVisitBody) => {
  const { id, ...body } = v;
  return api<InspectionOrder>(`/api/orders/${enc(id)}/visit`, { json: body });
});
export const useStartInspection = () => useOrderMutation((id: string) => api<InspectionOrder>(`/api/orders/${enc(id)}/start`, { method: 'POST' }));
export const useBook = () => useOrderMutation((v: { id: string } & BookBody) => {
  const { id, ...body } = v;
  return api<InspectionOrder>(`/api/orders/${enc(id)}/booking`, { json: body });
});
export const useReschedule = () => useOrderMutation((v: { id: string; reason: string }) => api<InspectionOrder>(`/api/orders/${enc(v.id)}/reschedule`, { json: { reason: v.reason } }));
export const useConfirmArrival = () => useOrderMutation((noticeId: string) => api<{ confirmedAt: string }>(`/api/arrival-notices/${enc(noticeId)}/confirm`, { method: 'POST' }));
export const useCheckMissed = () => useOrderMutation(() => api<{ missed: unknown[]; reminded: number }>('/api/appointments/check-missed', { method: 'POST' }));
export const useSaveRules = () => useOrderMutation((body: RuleSetInput) => api<RuleSetView>('/api/eligibility/rule-sets', { json: body }));
