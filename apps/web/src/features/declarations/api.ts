import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  Amendment, AmendmentDecisionInput, AmendmentInput, ArrivalNoticeInput, Declaration, DeclarationDetail, DeclarationInput, DeclarationList, DeclarationListQuery,
  ImportResult, InspectionApplicationInput, Org,
} from '@rvi/contracts';
import { api } from '../../shared/api/client.ts';
import { liveKeys } from '@rvi/contracts';

/** Query keys: `[module, ...]`, so one invalidation refreshes every list of the module. */
export const declarationKeys = {
  all: liveKeys.declarations(),
  list: (q: DeclarationListQuery) => ['declarations', 'list', q] as const,
  detail: (id: string) => ['declarations', 'detail', id] as const,
};

export function useDeclarationList(q: DeclarationListQuery) {
  return useQuery({
    queryKey: declarationKeys.list(q),
    queryFn: ({ signal }) => api<DeclarationList>('/api/declarations', { query: { ...q }, signal }),
    placeholderData: keepPreviousData,
  });
}

export function useDeclaration(id: string, enabled = true) {
  return useQuery({
    queryKey: declarationKeys.detail(id),
    queryFn: ({ signal }) => api<DeclarationDetail>(`/api/declarations/${encodeURIComponent(id)}`, { signal }),
    enabled: enabled && !!id,
    retry: (n, err) => n < 1 && !(err as { status?: number }).status,
  });
}

export function useSubmitDeclaration() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: DeclarationInput) =>
      api<Declaration>('/api/declarations', { json: input, headers: { 'x-rvi-client': 'web' } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: declarationKeys.all }),
  });
}

export interface ImportRequest {
  csv: string;
  fileName: string;
  skipInvalid: boolean;
  /** Customs administrators import on behalf of an enterprise. */
  orgId?: string;
}

/** Uploads a CSV; a refused file (422) is a normal answer carrying the line-numbered problems. */
export function useImportDeclarations() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (r: ImportRequest) =>
      api<ImportResult>('/api/declarations/import', {
        method: 'POST',
        query: { skipInvalid: r.skipInvalid, fileName: r.fileName.slice(0, 200), orgId: r.orgId },
        // A .json file is an array of declarations (goods lines and containers included); anything else is CSV.
        ...(/\.json$/i.test(r.fileName) ? { raw: r.csv, contentType: 'application/json' } : { raw: r.csv, contentType: 'text/csv' }),
        okStatuses: [422],
      }),
    onSuccess: (res) => {
      if (res.inserted > 0) void qc.invalidateQueries({ queryKey: declarationKeys.all });
    },
  });
}

export function useFileArrivalNotice(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: ArrivalNoticeInput) =>
      api<DeclarationDetail>(`/api/declarations/${encodeURIComponent(id)}/arrival-notices`, { json: input }),
    onSuccess: (d) => {
      qc.setQueryData(declarationKeys.detail(id), d);
      void qc.invalidateQueries({ queryKey: ['declarations', 'list'] });
    },
  });
}

export function useUpdateArrivalNotice(declarationId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { id: string; input: ArrivalNoticeInput }) =>
      api<DeclarationDetail>(`/api/arrival-notices/${encodeURIComponent(v.id)}`, { method: 'PUT', json: v.input }),
    onSuccess: (d) => {
      qc.setQueryData(declarationKeys.detail(declarationId), d);
      void qc.invalidateQueries({ queryKey: ['orders'] });
    },
  });
}

export function useApplyForInspection(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: InspectionApplicationInput) =>
      api<DeclarationDetail>(`/api/declarations/${encodeURIComponent(id)}/inspection-applications`, { json: input }),
    onSuccess: (d) => {
      qc.setQueryData(declarationKeys.detail(id), d);
      void qc.invalidateQueries({ queryKey: ['declarations', 'list'] });
    },
  });
}

export function useOrgs(enabled = true) {
  return useQuery({
    queryKey: ['orgs'],
    queryFn: ({ signal }) => api<{ items: Org[] }>('/api/orgs', { signal }),
    enabled,
    staleTime: 5 * 60_000,
  });
}

export function useFileAmendment(declarationId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: AmendmentInput) => api<Amendment>(`/api/declarations/${encodeURIComponent(declarationId)}/amendments`, { json: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: declarationKeys.all }),
  });
}

export function useDecideAmendment() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { id: string } & AmendmentDecisionInput) => api<Amendment>(`/api/amendments/${encodeURIComponent(v.id)}/decision`, { json: { accept: v.accept, ...(v.note ? { note: v.note } : {}) } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: declarationKeys.all }),
  });
}
