import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { RiskModelView, RiskView, TargetingSettings } from '@rvi/contracts';
import { api, ApiError } from '../../shared/api/client.ts';
import { liveKeys } from '@rvi/contracts';

/** Query keys under `risk`: the server's live invalidations name `['risk']`, which refreshes all of them. */
export const riskKeys = {
  all: liveKeys.risk(),
  declaration: (id: string) => ['risk', 'declaration', id] as const,
  models: ['risk', 'models'] as const,
  settings: ['risk', 'settings'] as const,
};

export interface SelectionOutcome {
  runId: string | null;
  seed: string | null;
  selected: { declarationId: string; reason: 'risk' | 'random' }[];
}

export interface ReplayResult { same: boolean; runId: string; seed: string; detail?: string }

export const isNotScored = (err: unknown) => err instanceof ApiError && err.code === 'not_scored';

/**
 * A declaration's score, channel, explanation and selection (customs roles only). A declaration is scored off the
 * request path just after filing, so while it is 'not_scored' the panel asks again now and then.
 */
export function useDeclarationRisk(id: string, enabled = true) {
  return useQuery({
    queryKey: riskKeys.declaration(id),
    queryFn: ({ signal }) => api<RiskView>(`/api/declarations/${encodeURIComponent(id)}/risk`, { signal }),
    enabled,
    refetchInterval: (q) => (isNotScored(q.state.error) && q.state.errorUpdateCount < 30 ? 10_000 : false),
  });
}

/**
 * The model registry, newest version first. `pollMs` keeps it fresh while a retraining runs in the background.
 */
export function useRiskModels(pollMs: number | false = false) {
  return useQuery({
    queryKey: riskKeys.models,
    queryFn: ({ signal }) => api<{ items: RiskModelView[] }>('/api/risk/models', { signal }),
    refetchInterval: pollMs,
  });
}

export function useActivateModel() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(`/api/risk/models/${encodeURIComponent(id)}/activate`, { method: 'POST' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: riskKeys.all }),
  });
}

export function useRetrain() {
  return useMutation({
    mutationFn: () => api<{ jobId: string | null }>('/api/risk/retrain', { method: 'POST' }),
  });
}

export function useRiskSettings(enabled = true) {
  return useQuery({
    queryKey: riskKeys.settings,
    queryFn: ({ signal }) => api<TargetingSettings>('/api/risk/settings', { signal }),
    enabled,
  });
}

export function useUpdateRiskSettings() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (s: TargetingSettings) => api<TargetingSettings>('/api/risk/settings', { method: 'PUT', json: s }),
    onSuccess: (s) => qc.setQueryData(riskKeys.settings, s),
  });
}

/** Draws the selection among the office's scored declarations that wait for one; selected ones change status. */
export function useDrawSelection() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (seed?: string) => api<SelectionOutcome>('/api/risk/selections', { method: 'POST', json: seed ? { seed } : {} }),
    onSuccess: (out) => {
      if (out.selected.length) {
        void qc.invalidateQueries({ queryKey: riskKeys.all });
        void qc.invalidateQueries({ queryKey: ['declarations'] });
      }
    },
  });
}

/** Recomputes a recorded draw from its seed and inputs (auditors). */
export function useReplaySelection() {
  return useMutation({
    mutationFn: (runId: string) => api<ReplayResult>(`/api/risk/selections/${encodeURIComponent(runId)}/replay`),
  });
}
