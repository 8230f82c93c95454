import { NativeSelect } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { LOCALES, isLocale, type Locale } from '../i18n/index.ts';

/** Language picker (a native select: reliable on phones and for assistive technology). */
export function LanguageSwitch({ onChange }: { onChange(locale: Locale): void }) {
  const { t, i18n } = useTranslation();
  return (
    <NativeSelect
      size="xs"
      aria-label={t('shell.language')}
      data-testid="language-switch"
      value={isLocale(i18n.language) ? i18n.language : 'en'}
      onChange={(e) => {
        const v = e.currentTarget.value;
        if (isLocale(v)) onChange(v);
      }}
      data={LOCALES.map((l) => ({ value: l.code, label: l.label }))}
      w={104}
    />
  );
}
