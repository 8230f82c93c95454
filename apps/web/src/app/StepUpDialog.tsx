import { useEffect, useRef, useState } from 'react';
import { Modal, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { setStepUpHandler } from '../shared/api/client.ts';
import { FactorForm } from './SecondFactorPage.tsx';

/**
 * Asks for the authenticator code when the server wants it again before a sensitive action (approving a decision or
 * a deletion, rotating the signing keys); the refused request is then repeated by the API client.
 */
export function StepUpDialog() {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const pending = useRef<((ok: boolean) => void) | null>(null);
  useEffect(() => {
    setStepUpHandler(() => new Promise<boolean>((resolve) => {
      pending.current?.(false);
      pending.current = resolve;
      setOpen(true);
    }));
    return () => setStepUpHandler(null);
  }, []);
  const close = (ok: boolean) => {
    pending.current?.(ok);
    pending.current = null;
    setOpen(false);
  };
  return (
    <Modal opened={open} onClose={() => close(false)} title={t('factor.stepUpTitle')} data-testid="step-up-dialog">
      <Text size="sm" mb="sm">{t('factor.stepUpWhy')}</Text>
      {open ? <FactorForm onVerified={() => close(true)} /> : null}
    </Modal>
  );
}
