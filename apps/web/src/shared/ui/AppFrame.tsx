import type { ReactNode } from 'react';
import { AppShell, Box, Burger, Button, Group, NavLink, Stack, Text, Title } from '@mantine/core';
import { useDisclosure, useMediaQuery } from '@mantine/hooks';
import { Link, useLocation } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { LanguageSwitch } from './LanguageSwitch.tsx';
import type { Locale } from '../i18n/index.ts';

export interface FrameNavItem {
  to: string;
  label: string;
  testId: string;
  /** Also active on sub-paths (e.g. a list stays highlighted on its detail pages). */
  matchPrefix?: boolean;
}

interface Props {
  nav: FrameNavItem[];
  userName: string;
  orgName: string;
  roleLabel: string;
  onLogout(): void;
  onLocaleChange(locale: Locale): void;
  loggingOut?: boolean;
  /** Extra header controls before the language switch (e.g. the notification bell). */
  headerExtra?: ReactNode;
  children: ReactNode;
}

/**
 * The application frame: header (menu toggle on phones, title, user and organisation, language, logout) and a
 * navigation bar that collapses behind a burger below the `sm` breakpoint.
 */
export function AppFrame({ nav, userName, orgName, roleLabel, onLogout, onLocaleChange, loggingOut, headerExtra, children }: Props) {
  const { t } = useTranslation();
  const [opened, { toggle, close }] = useDisclosure(false);
  const { pathname } = useLocation();
  // Below `sm` the navbar slides off-screen when closed; hide it properly too, so keyboard and screen-reader users
  // do not land in an invisible menu.
  const phone = useMediaQuery('(max-width: 47.99em)', false, { getInitialValueInEffect: false });
  const navHidden = phone && !opened;

  const isActive = (item: FrameNavItem) => {
    if (pathname === item.to) return true;
    if (!item.matchPrefix || !pathname.startsWith(`${item.to}/`)) return false;
    // a more specific item (e.g. ".../new") wins over its parent
    return !nav.some((o) => o !== item && o.to.startsWith(`${item.to}/`) && pathname.startsWith(o.to));
  };

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap" gap="xs">
          <Group gap="xs" wrap="nowrap" style={{ minWidth: 0 }}>
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('shell.toggleNavigation')} aria-expanded={opened} aria-controls="app-navigation" data-testid="nav-burger" />
            <Title order={1} fz={{ base: 'md', sm: 'lg' }} style={{ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}>
              {t('app.name')}
            </Title>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Box visibleFrom="md" ta="right" data-testid="header-user">
              <Text size="sm" fw={600} lh={1.2}>{userName}</Text>
              <Text size="xs" c="dimmed" lh={1.2}>{orgName} · {roleLabel}</Text>
            </Box>
            {headerExtra}
            <LanguageSwitch onChange={onLocaleChange} />
            <Button variant="default" size="xs" onClick={onLogout} loading={loggingOut} data-testid="logout" visibleFrom="sm">
              {t('shell.logout')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar
        p="xs"
        aria-label={t('shell.navigation')}
        id="app-navigation"
        inert={navHidden}
        style={navHidden ? { visibility: 'hidden' } : undefined}
      >
        <AppShell.Section hiddenFrom="md" mb="sm" px="xs" data-testid="navbar-user">
          <Text size="sm" fw={600}>{userName}</Text>
          <Text size="xs" c="dimmed">{orgName} · {roleLabel}</Text>
        </AppShell.Section>
        <AppShell.Section grow>
          <Stack gap={2}>
            {nav.map((item) => (
              <NavLink
                key={item.to}
                component={Link}
                to={item.to}
                label={item.label}
                active={isActive(item)}
                aria-current={isActive(item) ? 'page' : undefined}
                onClick={close}
                data-testid={item.testId}
              />
            ))}
          </Stack>
        </AppShell.Section>
        <AppShell.Section hiddenFrom="sm">
          <Button fullWidth variant="default" onClick={onLogout} loading={loggingOut} data-testid="logout-mobile">
            {t('shell.logout')}
          </Button>
        </AppShell.Section>
      </AppShell.Navbar>

      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
