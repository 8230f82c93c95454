import { Alert } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** Shown when someone opens a page their account may not use (navigation hides it; a typed URL can still get here). */
export function NotAllowed() {
  const { t } = useTranslation();
  return (
    <Alert color="orange" variant="light" title={t('errors.forbidden')} data-testid="not-allowed">
      {t('shell.notAllowed')}
    </Alert>
  );
}
