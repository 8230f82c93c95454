import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import type { AuditEntryView, AuditVerifyResult } from '@rvi/contracts';
import { api } from '../../shared/api/client.ts';

const PAGE = 50;

/** Audit entries, newest first, fetched a page at a time going back in sequence. */
export function useAuditLog() {
  return useInfiniteQuery({
    queryKey: ['audit', 'list'],
    initialPageParam: undefined as number | undefined,
    queryFn: ({ pageParam, signal }) =>
      api<{ items: AuditEntryView[] }>('/api/audit', { query: { limit: PAGE, beforeSeq: pageParam }, signal }),
    getNextPageParam: (last) => {
      const oldest = last.items.at(-1)?.seq;
      return last.items.length === PAGE && oldest && oldest > 1 ? oldest : undefined;
    },
  });
}

/** Walks the whole hash chain on the server; a mutation because it is an explicit, possibly slow, action. */
export function useVerifyAudit() {
  return useMutation({ mutationFn: () => api<AuditVerifyResult>('/api/audit/verify') });
}
