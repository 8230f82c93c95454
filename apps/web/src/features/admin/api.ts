import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  ApiToken, ApiTokenList, ApiTokenScopes, ApiTokenSecret, CreateApiTokenBody,
  AdminDeviceList, AdminOrg, AdminOrgList, AdminUser, AdminUserList, AdminUserQuery, ConflictInput, CreateOrgBody, CreateUserBody,
  InspectorProfileInput, OrderSettings, RetentionPolicyList, RosterInput, TargetingSettings, UpdateOrgBody, UpdateUserBody,
} from '@rvi/contracts';
import { api } from '../../shared/api/client.ts';

/**
 * Administration: users, organisations and devices (/api/admin), and the other modules' own endpoints for
 * inspectors, targeting settings, order settings, retention and checklist templates (their keys, so their pages
 * refresh too).
 */
export const adminKeys = {
  users: (q: AdminUserQuery) => ['admin', 'users', q] as const,
  usersAll: ['admin', 'users'] as const,
  orgs: ['admin', 'organisations'] as const,
  devices: ['admin', 'devices'] as const,
  inspectors: ['orders', 'inspectors'] as const,
  targeting: ['risk', 'settings'] as const,
  orderSettings: ['orders', 'settings'] as const,
  retention: ['retention'] as const,
  templates: ['sessions', 'checklist-templates'] as const,
};

const enc = encodeURIComponent;

export function useAdminUsers(q: AdminUserQuery) {
  return useQuery({ queryKey: adminKeys.users(q), queryFn: ({ signal }) => api<AdminUserList>('/api/admin/users', { query: { ...q }, signal }) });
}

export function useCreateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateUserBody) => api<AdminUser>('/api/admin/users', { json: body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['admin'] }),
  });
}

export function useUpdateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdateUserBody }) => api<AdminUser>(`/api/admin/users/${enc(id)}`, { method: 'PATCH', json: body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['admin'] }),
  });
}

export function useAdminOrgs() {
  return useQuery({ queryKey: adminKeys.orgs, queryFn: ({ signal }) => api<AdminOrgList>('/api/admin/organisations', { signal }) });
}

export function useCreateOrg() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateOrgBody) => api<AdminOrg>('/api/admin/organisations', { json: body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['admin'] }),
  });
}

export function useUpdateOrg() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdateOrgBody }) => api<AdminOrg>(`/api/admin/organisations/${enc(id)}`, { method: 'PATCH', json: body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['admin'] }),
  });
}

export function useAdminDevices(enabled = true) {
  return useQuery({ queryKey: adminKeys.devices, queryFn: ({ signal }) => api<AdminDeviceList>('/api/admin/devices', { signal }), enabled });
}

// ---- inspectors (orders module)

export function useSaveProfile() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: InspectorProfileInput }) => api<void>(`/api/inspectors/${enc(id)}/profile`, { method: 'PUT', json: body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: adminKeys.inspectors }),
  });
}

export function useSaveRoster() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: RosterInput }) => api<void>(`/api/inspectors/${enc(id)}/roster`, { method: 'PUT', json: body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: adminKeys.inspectors }),
  });
}

export function useDeclareConflict() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: ConflictInput }) => api<void>(`/api/inspectors/${enc(id)}/conflicts`, { json: body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: adminKeys.inspectors }),
  });
}

export function useWithdrawConflict() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, enterpriseId, reason }: { id: string; enterpriseId: string; reason: string }) =>
      api<void>(`/api/inspectors/${enc(id)}/conflicts/${enc(enterpriseId)}/withdraw`, { json: { reason } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: adminKeys.inspectors }),
  });
}

// ---- settings of other modules

export function useTargetingSettings(enabled: boolean) {
  return useQuery({ queryKey: adminKeys.targeting, queryFn: ({ signal }) => api<TargetingSettings>('/api/risk/settings', { signal }), enabled });
}

export function useSaveTargeting() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: TargetingSettings) => api<TargetingSettings>('/api/risk/settings', { method: 'PUT', json: body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['risk'] }),
  });
}

export function useOrderSettings() {
  return useQuery({ queryKey: adminKeys.orderSettings, queryFn: ({ signal }) => api<OrderSettings>('/api/order-settings', { signal }) });
}

export function useSaveOrderSettings() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: OrderSettings) => api<OrderSettings>('/api/order-settings', { method: 'PUT', json: body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: adminKeys.orderSettings }),
  });
}

export function useRetention() {
  return useQuery({ queryKey: adminKeys.retention, queryFn: ({ signal }) => api<RetentionPolicyList>('/api/retention', { signal }) });
}

export function useSetRetention() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ recordType, period }: { recordType: string; period: string }) => api<RetentionPolicyList>(`/api/retention/${enc(recordType)}`, { method: 'PUT', json: { period } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: adminKeys.retention }),
  });
}

export interface ChecklistTemplate {
  id: string;
  goodsCategory: string;
  name: { en: string; 'zh-CN': string };
  steps: { key: string; text: { en: string; 'zh-CN': string } }[];
}

export function useChecklistTemplates() {
  return useQuery({ queryKey: adminKeys.templates, queryFn: ({ signal }) => api<{ items: ChecklistTemplate[] }>('/api/checklist-templates', { signal }) });
}

/** The office and the enterprises it supervises (any customs user may read them). */
export function useOfficeOrgs() {
  return useQuery({ queryKey: ['orgs'], queryFn: ({ signal }) => api<{ items: { id: string; name: string; kind: string; code: string }[] }>('/api/orgs', { signal }) });
}

/** API tokens (issue 19): the list, the scopes by role, create / rotate (answer carries the secret once) / revoke. */
const tokenKeys = { all: ['admin', 'api-tokens'] as const, scopes: ['admin', 'api-tokens', 'scopes'] as const };
export function useApiTokens(includeRevoked: boolean) {
  return useQuery({ queryKey: [...tokenKeys.all, includeRevoked], queryFn: ({ signal }) => api<ApiTokenList>('/api/admin/api-tokens', { query: { includeRevoked }, signal }) });
}
export function useApiTokenScopes() {
  return useQuery({ queryKey: tokenKeys.scopes, queryFn: ({ signal }) => api<ApiTokenScopes>('/api/admin/api-tokens/scopes', { signal }) });
}
export function useCreateApiToken() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (body: CreateApiTokenBody) => api<ApiTokenSecret>('/api/admin/api-tokens', { json: body }), onSuccess: () => qc.invalidateQueries({ queryKey: tokenKeys.all }) });
}
export function useRotateApiToken() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (id: string) => api<ApiTokenSecret>(`/api/admin/api-tokens/${enc(id)}/rotate`, { json: {} }), onSuccess: () => qc.invalidateQueries({ queryKey: tokenKeys.all }) });
}
export function useRevokeApiToken() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (id: string) => api<ApiToken>(`/api/admin/api-tokens/${enc(id)}/revoke`, { json: {} }), onSuccess: () => qc.invalidateQueries({ queryKey: tokenKeys.all }) });
}
