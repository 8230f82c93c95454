import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';

const STATE_COLORS: Record<string, string> = {
  selected: 'gray', assigned: 'blue', eligibility_decided: 'indigo', booked: 'teal', rescheduled: 'yellow', missed: 'red',
  onsite_scheduled: 'grape', in_progress: 'cyan', inspected: 'lime', decided: 'green', closed: 'dark', cancelled: 'gray',
};

export function OrderStateBadge({ state }: { state: string }) {
  const { t } = useTranslation();
  return (
    <Badge color={STATE_COLORS[state] ?? 'gray'} variant="light" data-testid="order-state" data-state={state} style={{ minWidth: 'max-content' }}>
      {t(`orders.state.${state}`, { defaultValue: state })}
    </Badge>
  );
}

export function ModeBadge({ mode }: { mode: string | null }) {
  const { t } = useTranslation();
  if (!mode) return <Badge color="gray" variant="outline" data-testid="order-mode" data-mode="none" style={{ minWidth: 'max-content' }}>{t('orders.mode.undecided')}</Badge>;
  return (
    <Badge color={mode === 'remote' ? 'blue' : 'orange'} variant="outline" data-testid="order-mode" data-mode={mode} style={{ minWidth: 'max-content' }}>
      {t(`orders.mode.${mode}`)}
    </Badge>
  );
}

/** An appointment in the office's own time (as agreed), with the zone named. */
export function AppointmentText({ a }: { a: { localDate: string; localStart: string; localEnd: string; timeZone: string } }) {
  return <span data-testid="appointment-time">{`${a.localDate} ${a.localStart}–${a.localEnd} (${a.timeZone})`}</span>;
}
