import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';

const COLORS: Record<string, string> = { green: 'green', yellow: 'yellow', red: 'red' };

/** The targeting channel of a declaration: green (release), yellow (documents check), red (inspect). */
export function ChannelBadge({ channel, testId = 'risk-channel' }: { channel: 'green' | 'yellow' | 'red'; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Badge
      color={COLORS[channel] ?? 'gray'}
      variant={channel === 'yellow' ? 'light' : 'filled'}
      data-testid={testId}
      data-channel={channel}
      style={{ minWidth: 'max-content' }}
    >
      {t(`risk.channel.${channel}`)}
    </Badge>
  );
}
