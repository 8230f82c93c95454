import { Anchor, Box, Button, CopyButton, Group, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { DeviceLink } from '@rvi/contracts';
import { formatDateTime } from '../format.ts';

/** The device link for the booked operator: QR code (phones and AR glasses scan it) and the URL to send. */
export function DeviceLinkCard({ link }: { link: DeviceLink }) {
  const { t } = useTranslation();
  return (
    <Stack gap="xs" data-testid="device-link">
      <Text size="sm">{t('sessions.link.explain', { time: formatDateTime(link.expiresAt) })}</Text>
      <Box w={220} h={220} style={{ background: '#fff' }} data-testid="device-link-qr" dangerouslySetInnerHTML={{ __html: link.qrSvg }} aria-label={t('sessions.link.qr')} />
      <Anchor href={link.url} target="_blank" rel="noreferrer" size="xs" style={{ wordBreak: 'break-all' }} data-testid="device-link-url">{link.url}</Anchor>
      <Group gap="xs">
        <CopyButton value={link.url}>{({ copied, copy }) => <Button size="xs" variant="light" onClick={copy}>{copied ? t('sessions.link.copied') : t('sessions.link.copy')}</Button>}</CopyButton>
      </Group>
    </Stack>
  );
}
