import { Alert } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';

/**
 * Shows an API error: a translated title chosen by its stable `code`, and the server's message, which names the field
 * and the problem.
 */
export function ErrorAlert({ error, testId = 'error' }: { error: unknown; testId?: string }) {
  const { t } = useTranslation();
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  const title = api ? t(`errors.${api.code}`, { defaultValue: t('errors.generic') }) : t('errors.generic');
  const detail = api ? (api.code === 'network' ? null : api.message) : error instanceof Error ? error.message : String(error);
  return (
    <Alert color="red" variant="light" title={title} data-testid={testId} role="alert">
      {detail}
    </Alert>
  );
}
