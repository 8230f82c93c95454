import { useState } from 'react';
import { Alert, Button, Checkbox, List, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { INVITE_CHANNELS, type InviteChannel, type InviteResult, type SessionDetail } from '@rvi/contracts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { formatDateTime } from '../format.ts';
import { useSendLink } from '../api.ts';

/** What happened on each channel (sent, or why not), as the server reported it. */
export function InviteResultView({ result }: { result: InviteResult }) {
  const { t } = useTranslation();
  return (
    <Alert color={result.delivered ? (result.deliveries.every((d) => d.ok) ? 'green' : 'yellow') : 'red'} variant="light" data-testid="invite-result" data-delivered={result.delivered}
      title={result.delivered ? t('sessions.invite.sent', { time: formatDateTime(result.expiresAt) }) : t('sessions.invite.notSent')}>
      <List size="sm" spacing={2}>
        {result.deliveries.map((d) => (
          <List.Item key={d.channel} data-testid="invite-delivery" data-channel={d.channel} data-ok={d.ok} data-code={d.code}>
            {d.ok
              ? t('sessions.invite.channelSent', { channel: t(`sessions.invite.channel.${d.channel}`), to: d.to ?? '' })
              : t('sessions.invite.channelFailed', { channel: t(`sessions.invite.channel.${d.channel}`), to: d.to ?? '', reason: t(`sessions.invite.code.${d.code}`, { defaultValue: d.code }), message: d.message })}
            {!d.ok && d.retryable ? ` ${t('sessions.invite.retryLater')}` : ''}
          </List.Item>
        ))}
      </List>
      {!result.delivered ? <Text size="xs" mt={4}>{t('sessions.invite.previousKept')}</Text> : null}
    </Alert>
  );
}

/**
 * Send the single-use camera link to the booked operator by e-mail and/or SMS (the conductor or a supervisor of the
 * office). A delivered link replaces the older one; the result names each channel's outcome.
 */
export function InvitePanel({ session, initial, onDelivered }: { session: SessionDetail; initial?: InviteResult | null; onDelivered?: () => void }) {
  const { t } = useTranslation();
  const send = useSendLink(session.id);
  const [result, setResult] = useState<InviteResult | null>(initial ?? null);
  const ch = session.inviteChannels;
  const [picked, setPicked] = useState<InviteChannel[]>(() => INVITE_CHANNELS.filter((c) => ch?.[c].available ?? false));
  const channels = picked.filter((c) => ch?.[c].available);
  return (
    <Stack gap={6} data-testid="invite-panel">
      <Text size="sm">{t('sessions.invite.explain', { operator: session.operatorName ?? '' })}</Text>
      {INVITE_CHANNELS.map((c) => {
        const st = ch?.[c];
        const label = `${t(`sessions.invite.channel.${c}`)}: ${st?.to ?? t(`sessions.invite.code.${st?.reason ?? 'no_address'}`)}`;
        return (
          <Checkbox key={c} size="sm" label={label} data-testid={`invite-channel-${c}`} disabled={!st?.available}
            checked={!!st?.available && picked.includes(c)}
            onChange={(e) => setPicked((p) => (e.currentTarget.checked ? [...new Set([...p, c])] : p.filter((x) => x !== c)))} />
        );
      })}
      <Button size="sm" data-testid="send-link" disabled={!channels.length} loading={send.isPending}
        onClick={() => send.mutate({ channels }, { onSuccess: (r) => { setResult(r); if (r.delivered) onDelivered?.(); } })}>
        {t('sessions.invite.send')}
      </Button>
      <ErrorAlert error={send.error} testId="invite-error" />
      {result ? <InviteResultView result={result} /> : null}
    </Stack>
  );
}
