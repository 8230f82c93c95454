import { useMemo } from 'react';
import { Select, type SelectProps } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { COUNTRY_CODES, CURRENCY_CODES, PACKAGE_KIND_CODES, QUANTITY_UNIT_CODES } from '@rvi/contracts';

/** Names of codes in the reader's language: countries and currencies from the browser (Intl), the rest from the locale files. */
function useDisplayNames(type: 'region' | 'currency') {
  const { i18n } = useTranslation();
  return useMemo(() => {
    try {
      const names = new Intl.DisplayNames([i18n.language], { type, fallback: 'code' });
      return (code: string) => names.of(code) ?? code;
    } catch {
      return (code: string) => code;
    }
  }, [i18n.language, type]);
}

type PickerProps = Omit<SelectProps, 'data' | 'value' | 'onChange'> & { value: string; onChange(v: string): void; testId?: string };

function CodeSelect({ codes, nameOf, value, onChange, testId, ...rest }: PickerProps & { codes: readonly string[]; nameOf: (c: string) => string }) {
  const data = useMemo(() => codes.map((c) => ({ value: c, label: `${c} · ${nameOf(c)}` })), [codes, nameOf]);
  return (
    <Select
      searchable
      clearable
      data={data}
      value={value || null}
      onChange={(v) => onChange(v ?? '')}
      nothingFoundMessage="—"
      comboboxProps={{ withinPortal: true }}
      data-testid={testId}
      {...rest}
    />
  );
}

/** ISO 3166-1 country picker (search by code or name, in the interface language). */
export function CountryPicker(props: PickerProps) {
  const { t } = useTranslation();
  const region = useDisplayNames('region');
  const name = useMemo(() => (c: string) => (c === 'ZZ' ? t('codes.unknownCountry') : region(c)), [region, t]);
  return <CodeSelect codes={COUNTRY_CODES} nameOf={name} {...props} />;
}

/** ISO 4217 currency picker. */
export function CurrencyPicker(props: PickerProps) {
  const name = useDisplayNames('currency');
  return <CodeSelect codes={CURRENCY_CODES} nameOf={name} {...props} />;
}

/** UN/ECE Recommendation 21 package kind picker. */
export function PackageKindPicker(props: PickerProps) {
  const { t } = useTranslation();
  const name = useMemo(() => (c: string) => t(`codes.packageKind.${c}`), [t]);
  return <CodeSelect codes={PACKAGE_KIND_CODES} nameOf={name} {...props} />;
}

/** UN/ECE Recommendation 20 unit picker (goods lines). */
export function UnitPicker(props: PickerProps) {
  const { t } = useTranslation();
  const name = useMemo(() => (c: string) => t(`codes.unit.${c}`), [t]);
  return <CodeSelect codes={QUANTITY_UNIT_CODES} nameOf={name} {...props} />;
}

/** A code shown with its name, e.g. "CT · Carton" (read-only views). */
export function useCodeName() {
  const { t } = useTranslation();
  const region = useDisplayNames('region');
  const currency = useDisplayNames('currency');
  return {
    country: (c: string) => (c === 'ZZ' ? t('codes.unknownCountry') : region(c)),
    currency,
    packageKind: (c: string) => t(`codes.packageKind.${c}`, { defaultValue: c }),
    unit: (c: string) => t(`codes.unit.${c}`, { defaultValue: c }),
  };
}
