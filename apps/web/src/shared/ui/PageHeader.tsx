import type { ReactNode } from 'react';
import { Group, Title } from '@mantine/core';

export function PageHeader({ title, actions, testId }: { title: ReactNode; actions?: ReactNode; testId?: string }) {
  return (
    <Group justify="space-between" align="center" mb="md" gap="sm">
      <Title order={2} fz={{ base: 'lg', sm: 'xl' }} data-testid={testId}>{title}</Title>
      {actions ? <Group gap="xs">{actions}</Group> : null}
    </Group>
  );
}
