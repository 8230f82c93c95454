import { Badge, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';

const SEVERITY_COLORS: Record<string, string> = { minor: 'yellow', significant: 'orange', critical: 'red' };
const OUTCOME_COLORS: Record<string, string> = {
  release: 'green', release_with_correction: 'teal', hold: 'red', onsite_reinspection: 'orange', refer_enforcement: 'grape',
};
const STATUS_COLORS: Record<string, string> = { pending_approval: 'yellow', rejected: 'red', effective: 'green' };

export function SeverityBadge({ severity }: { severity: string | null }) {
  const { t } = useTranslation();
  if (!severity) return null;
  return <Badge color={SEVERITY_COLORS[severity] ?? 'gray'} variant="light" data-testid="severity" data-severity={severity}>{t(`findings.severity.${severity}`, { defaultValue: severity })}</Badge>;
}

export function OutcomeBadge({ outcome }: { outcome: string | null }) {
  const { t } = useTranslation();
  if (!outcome) return null;
  return (
    <Badge color={OUTCOME_COLORS[outcome] ?? 'gray'} variant="filled" data-testid="outcome" data-outcome={outcome} style={{ minWidth: 'max-content' }}>
      {t(`findings.outcome.${outcome}`, { defaultValue: outcome })}
    </Badge>
  );
}

export function DecisionStatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return <Badge color={STATUS_COLORS[status] ?? 'gray'} variant="light" data-testid="decision-status" data-status={status}>{t(`findings.decisionStatus.${status}`, { defaultValue: status })}</Badge>;
}

/** Whether a stored signed record still verifies (signature and columns), with the key id. */
export function SignatureBadge({ signature }: { signature: { valid: boolean; keyId: string; problems: string[] } }) {
  const { t } = useTranslation();
  const label = signature.valid ? t('findings.signed') : t('findings.signatureInvalid');
  return (
    <Tooltip label={signature.valid ? t('findings.signedWith', { keyId: signature.keyId }) : signature.problems.join('; ')} multiline maw={360}>
      <Badge color={signature.valid ? 'green' : 'red'} variant="outline" data-testid="signature" data-valid={String(signature.valid)}>{label}</Badge>
    </Tooltip>
  );
}
