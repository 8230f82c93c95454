import { Alert, Paper, Stack, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../app/session.tsx';
import { SecurityKeysPanel } from './SecurityKeys.tsx';
import { TotpSetup } from './TotpSetup.tsx';

/** Two-step sign-in for every user: an authenticator app (set up, or see that one is), and security keys (WebAuthn). */
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
      <Paper withBorder p="md">
        <SecurityKeysPanel />
      </Paper>
    </Stack>
  );
}
