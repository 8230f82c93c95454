import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  CreateWebhookBody, UpdateWebhookBody, WebhookDelivery, WebhookDeliveryList, WebhookSecret, WebhookSubscription, WebhookSubscriptionList,
} from '@rvi/contracts';
import { api } from '../../shared/api/client.ts';

/** Webhook endpoints and their delivery log (issue 19.4): /api/webhooks. */
export const webhookKeys = {
  all: ['webhooks'] as const,
  deliveries: (id: string) => ['webhooks', 'deliveries', id] as const,
};
const enc = encodeURIComponent;

export function useWebhooks() {
  return useQuery({ queryKey: webhookKeys.all, queryFn: ({ signal }) => api<WebhookSubscriptionList>('/api/webhooks/subscriptions', { signal }) });
}
export function useWebhookDeliveries(id: string | null) {
  return useQuery({
    queryKey: webhookKeys.deliveries(id ?? ''), enabled: !!id, refetchInterval: 3000,
    queryFn: ({ signal }) => api<WebhookDeliveryList>(`/api/webhooks/subscriptions/${enc(id!)}/deliveries`, { signal }),
  });
}
export function useCreateWebhook() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (body: CreateWebhookBody) => api<WebhookSecret>('/api/webhooks/subscriptions', { json: body }), onSuccess: () => qc.invalidateQueries({ queryKey: webhookKeys.all }) });
}
export function useUpdateWebhook() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdateWebhookBody }) => api<WebhookSubscription>(`/api/webhooks/subscriptions/${enc(id)}`, { method: 'PATCH', json: body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: webhookKeys.all }),
  });
}
export function useRotateWebhookSecret() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (id: string) => api<WebhookSecret>(`/api/webhooks/subscriptions/${enc(id)}/rotate-secret`, { json: {} }), onSuccess: () => qc.invalidateQueries({ queryKey: webhookKeys.all }) });
}
export function useRedeliver() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (id: string) => api<WebhookDelivery>(`/api/webhooks/deliveries/${enc(id)}/redeliver`, { json: {} }), onSuccess: () => qc.invalidateQueries({ queryKey: webhookKeys.all }) });
}
