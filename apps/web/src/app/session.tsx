import { createContext, useCallback, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { type QueryClient, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { LoginBody, Me } from '@rvi/contracts';
import { api, ApiError } from '../shared/api/client.ts';
import { applyLocale, currentLocale, isLocale, storedLocale, type Locale } from '../shared/i18n/index.ts';

export const ME_KEY = ['auth', 'me'] as const;

async function fetchMe(): Promise<Me | null> {
  try {
    return await api<Me>('/api/auth/me');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

/**
 * Drops every cached answer except the session itself, so one user never sees another's data. (`queryClient.clear()`
 * would also drop the session query under its observer, leaving the app with a stale user.)
 */
function forgetServerData(qc: QueryClient) {
  qc.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
  qc.getMutationCache().clear();
}

interface Session {
  /** The logged-in user, `null` when logged out, `undefined` while the first check runs. */
  me: Me | null | undefined;
  loading: boolean;
  error: unknown;
  login(body: LoginBody): Promise<Me>;
  logout(): Promise<void>;
  /** Switch the interface language; remembered in this browser and, when logged in, on the account. */
  changeLocale(locale: Locale): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const meQuery = useQuery({ queryKey: ME_KEY, queryFn: fetchMe, staleTime: 5 * 60_000, retry: 1 });
  const me = meQuery.data;

  // The language last picked in this browser wins; a browser that never picked one takes the account's language
  // (so the choice follows the user to a new device).
  useEffect(() => {
    if (me && !storedLocale() && isLocale(me.locale) && me.locale !== currentLocale()) void applyLocale(me.locale);
  }, [me?.id]); // eslint-disable-line react-hooks/exhaustive-deps

  const loginMutation = useMutation({
    mutationFn: (body: LoginBody) => api<Me>('/api/auth/login', { json: body }),
  });

  const login = useCallback(async (body: LoginBody) => {
    const user = await loginMutation.mutateAsync(body);
    // A language picked in this browser (e.g. on the login page) is the user's latest choice: keep it and save it
    // on the account. Otherwise the account's language applies.
    const picked = storedLocale();
    if (picked && user.locale !== picked) {
      user.locale = picked;
      api('/api/auth/me/locale', { method: 'PUT', json: { locale: picked } }).catch(() => undefined);
    } else if (!picked && isLocale(user.locale)) {
      await applyLocale(user.locale);
    }
    qc.setQueryData(ME_KEY, user);
    forgetServerData(qc);
    return user;
  }, [loginMutation, qc]);

  const logout = useCallback(async () => {
    let endSessionUrl: string | undefined;
    try {
      // after a single sign-on the server names the provider's sign-out page (204 otherwise)
      endSessionUrl = (await api<{ endSessionUrl: string } | undefined>('/api/auth/logout', { method: 'POST' }))?.endSessionUrl;
    } catch (err) {
      // An expired session is logged out already.
      if (!(err instanceof ApiError && err.status === 401)) throw err;
    }
    qc.setQueryData(ME_KEY, null);
    forgetServerData(qc);
    // the provider ends its own session too and sends the browser back to the login page
    if (endSessionUrl) window.location.assign(endSessionUrl);
  }, [qc]);

  const changeLocale = useCallback(async (locale: Locale) => {
    await applyLocale(locale);
    const current = qc.getQueryData<Me | null>(ME_KEY);
    if (current) {
      qc.setQueryData(ME_KEY, { ...current, locale });
      await api('/api/auth/me/locale', { method: 'PUT', json: { locale } }).catch(() => undefined);
    }
  }, [qc]);

  const value = useMemo<Session>(() => ({
    me, loading: meQuery.isPending, error: meQuery.error, login, logout, changeLocale,
  }), [me, meQuery.isPending, meQuery.error, login, logout, changeLocale]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The logged-in user; only for components rendered behind RequireAuth. */
export function useMe(): Me {
  const { me } = useSession();
  if (!me) throw new Error('useMe without a session');
  return me;
}

/** Where a user lands after login: the console of their kind of organisation. */
export function homePath(me: Me): string {
  return me.org.kind === 'enterprise' ? '/enterprise/declarations' : '/customs/declarations';
}
