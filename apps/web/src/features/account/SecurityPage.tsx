import { Alert, Paper, Stack, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../app/session.tsx';
import { TotpSetup } from './TotpSetup.tsx';

/** Two-step sign-in for every user: set up an authenticator app, or see that one is set up. */
export function SecurityPage() {
  const { t } = useTranslation();
  const me = useMe();
  return (
    <Stack gap="md" maw={520}>
      <Title order={2}>{t('factor.pageTitle')}</Title>
      <Paper withBorder p="md">
        {me.totpEnrolled
          ? <Alert color="green" variant="light" data-testid="totp-enrolled">{t('factor.enrolled')}</Alert>
          : <TotpSetup />}
      </Paper>
    </Stack>
  );
}
