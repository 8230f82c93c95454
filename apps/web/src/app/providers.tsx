import type { ReactNode } from 'react';
import { createTheme, MantineProvider } from '@mantine/core';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { I18nextProvider } from 'react-i18next';
import { ApiError } from '../shared/api/client.ts';
import { i18next } from '../shared/i18n/index.ts';
import { ME_KEY, SessionProvider } from './session.tsx';
import { StepUpDialog } from './StepUpDialog.tsx';

const theme = createTheme({
  primaryColor: 'blue',
  defaultRadius: 'sm',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif',
});

// A session that expired while the page was open: any 401 means "logged out"; the guard then sends the user to login.
function onSessionLost(err: unknown) {
  if (err instanceof ApiError && err.status === 401 && queryClient.getQueryData(ME_KEY)) queryClient.setQueryData(ME_KEY, null);
}

export const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError: onSessionLost }),
  mutationCache: new MutationCache({ onError: onSessionLost }),
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      retry: (n, err) => n < 2 && !(err instanceof ApiError && err.status > 0 && err.status < 500),
    },
  },
});

export function Providers({ children }: { children: ReactNode }) {
  return (
    <I18nextProvider i18n={i18next}>
      <MantineProvider theme={theme} defaultColorScheme="light">
        <QueryClientProvider client={queryClient}>
          <SessionProvider>{children}<StepUpDialog /></SessionProvider>
        </QueryClientProvider>
      </MantineProvider>
    </I18nextProvider>
  );
}
