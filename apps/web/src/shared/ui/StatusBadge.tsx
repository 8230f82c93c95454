import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { DeclarationStatus } from '@rvi/contracts';

const COLORS: Record<DeclarationStatus, string> = {
  filed: 'gray',
  inspection_requested: 'blue',
  selected: 'orange',
  released: 'green',
  held: 'red',
};

export function StatusBadge({ status }: { status: DeclarationStatus }) {
  const { t } = useTranslation();
  return (
    <Badge color={COLORS[status] ?? 'gray'} variant="light" data-status={status} style={{ minWidth: 'max-content' }}>
      {t(`status.${status}`)}
    </Badge>
  );
}
