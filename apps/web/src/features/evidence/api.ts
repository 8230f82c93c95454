import { useQuery } from '@tanstack/react-query';
import type { CaseList, CaseStory } from '@rvi/contracts';
import { api } from '../../shared/api/client.ts';

const enc = encodeURIComponent;

/** Query keys under `findings` too: a decision or approval elsewhere refreshes an open case. */
export const caseKeys = {
  list: ['findings', 'cases'] as const,
  story: (orderId: string) => ['findings', orderId, 'case'] as const,
};

export function useCases() {
  return useQuery({ queryKey: caseKeys.list, queryFn: ({ signal }) => api<CaseList>('/api/cases', { signal }) });
}

export function useCaseStory(orderId: string) {
  return useQuery({
    queryKey: caseKeys.story(orderId),
    queryFn: ({ signal }) => api<CaseStory>(`/api/orders/${enc(orderId)}/case`, { signal }),
    retry: (n, err) => n < 1 && !(err as { status?: number }).status,
  });
}

/** The evidence package download (same origin: the session cookie authorises it). */
export const evidenceZipUrl = (orderId: string) => `/api/orders/${enc(orderId)}/evidence.zip`;
/** The case report for people (PDF), in the reader's language. */
export const caseReportUrl = (orderId: string, lang: 'en' | 'zh-CN') => `/api/orders/${enc(orderId)}/report.pdf?lang=${lang}`;
export const mediaUrl = (mediaId: string) => `/api/media/${enc(mediaId)}`;
