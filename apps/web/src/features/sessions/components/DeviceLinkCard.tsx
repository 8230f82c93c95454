import { Anchor, Box, Button, CopyButton, Group, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { DeviceLink } from '@rvi/contracts';
import { formatDateTime } from '../format.ts';

/**
 * The device link for the booked operator: QR code (phones and AR glasses scan it) and the URL to send. With
 * `onThisDevice` (the operator's own portal on a phone-sized screen) a big "Open camera" button instead: a QR code of
 * the phone's own screen cannot be scanned by that phone.
 */
export function DeviceLinkCard({ link, onThisDevice = false }: { link: DeviceLink; onThisDevice?: boolean }) {
  const { t } = useTranslation();
  if (onThisDevice) {
    return (
      <Stack gap="xs" data-testid="device-link" data-mode="phone">
        <Button component="a" href={link.url} size="xl" fullWidth data-testid="open-camera">{t('sessions.link.openCamera')}</Button>
        <Text size="sm" c="dimmed">{t('sessions.link.explainPhone', { time: formatDateTime(link.expiresAt) })}</Text>
      </Stack>
    );
  }
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
