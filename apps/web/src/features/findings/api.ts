import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  AcceptSuggestionBody, ApprovalQueue, CaseMediaView, Decision, DecisionInput, EnterpriseOutcome, EnterpriseOutcomeList, Finding, FindingInput,
  InspectionList, InspectionListQuery, InspectionView, SuggestedFinding,
} from '@rvi/contracts';
import { api } from '../../shared/api/client.ts';
import { liveKeys } from '@rvi/contracts';

/**
 * Query keys: the server's live invalidations name `findings`, `decisions`, `outcomes` (and `orders`), so a change
 * made elsewhere (a supervisor's approval, the vision module's suggestion) refreshes the open page.
 */
export const findingKeys = {
  list: (q: InspectionListQuery) => ['findings', 'list', q] as const,
  inspection: liveKeys.findings,
  pending: ['decisions', 'pending'] as const,
  outcomes: ['outcomes', 'list'] as const,
  outcome: (orderId: string) => ['outcomes', orderId] as const,
};

const enc = encodeURIComponent;

export function useInspections(q: InspectionListQuery) {
  return useQuery({
    queryKey: findingKeys.list(q),
    queryFn: ({ signal }) => api<InspectionList>('/api/inspections', { query: { ...q }, signal }),
    placeholderData: keepPreviousData,
  });
}

export function useInspection(orderId: string) {
  return useQuery({
    queryKey: findingKeys.inspection(orderId),
    queryFn: ({ signal }) => api<InspectionView>(`/api/orders/${enc(orderId)}/inspection`, { signal }),
    retry: (n, err) => n < 1 && !(err as { status?: number }).status,
  });
}

/** Mutations refresh what they change here; the server's invalidations reach the other pages. */
function useCaseMutation<I, O>(fn: (input: I) => Promise<O>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['findings'] });
      void qc.invalidateQueries({ queryKey: liveKeys.decisions() });
      void qc.invalidateQueries({ queryKey: liveKeys.outcomes() });
      void qc.invalidateQueries({ queryKey: ['orders'] });
    },
  });
}

export const useRecordFinding = () =>
  useCaseMutation(({ orderId, input }: { orderId: string; input: FindingInput }) => api<Finding>(`/api/orders/${enc(orderId)}/findings`, { json: input }));
export const useCompleteInspection = () =>
  useCaseMutation((orderId: string) => api<InspectionView>(`/api/orders/${enc(orderId)}/inspection/complete`, { method: 'POST', json: {} }));
export const useAcceptSuggestion = () =>
  useCaseMutation(({ id, body }: { id: string; body: AcceptSuggestionBody }) => api<Finding>(`/api/suggestions/${enc(id)}/accept`, { json: body }));
export const useDismissSuggestion = () =>
  useCaseMutation(({ id, reason }: { id: string; reason: string }) => api<SuggestedFinding>(`/api/suggestions/${enc(id)}/dismiss`, { json: { reason } }));
export const useProposeDecision = () =>
  useCaseMutation(({ orderId, input }: { orderId: string; input: DecisionInput }) => api<Decision>(`/api/orders/${enc(orderId)}/decisions`, { json: input }));
export const useApproveDecision = () =>
  useCaseMutation(({ id, reason }: { id: string; reason?: string }) => api<Decision>(`/api/decisions/${enc(id)}/approve`, { json: reason ? { reason } : {} }));
export const useRejectDecision = () =>
  useCaseMutation(({ id, reason }: { id: string; reason: string }) => api<Decision>(`/api/decisions/${enc(id)}/reject`, { json: { reason } }));

export function usePendingApprovals() {
  return useQuery({
    queryKey: findingKeys.pending,
    queryFn: ({ signal }) => api<ApprovalQueue>('/api/decisions/pending', { signal }),
  });
}

export function useOutcomes() {
  return useQuery({
    queryKey: findingKeys.outcomes,
    queryFn: ({ signal }) => api<EnterpriseOutcomeList>('/api/outcomes', { signal }),
  });
}

export function useOutcome(orderId: string) {
  return useQuery({
    queryKey: findingKeys.outcome(orderId),
    queryFn: ({ signal }) => api<EnterpriseOutcome>(`/api/orders/${enc(orderId)}/outcome`, { signal }),
    retry: (n, err) => n < 1 && !(err as { status?: number }).status,
  });
}

/** The case's snapshots, to pick a finding's evidence from thumbnails (each image at /api/media/:id). */
export function useCaseSnapshots(orderId: string) {
  return useQuery({
    queryKey: ['findings', orderId, 'snapshots'] as const,
    queryFn: ({ signal }) => api<{ items: CaseMediaView[] }>(`/api/orders/${enc(orderId)}/snapshots`, { signal }),
  });
}
