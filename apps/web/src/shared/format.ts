import { i18next } from './i18n/index.ts';

/** Locale-aware formatting for tables and detail pages (follows the interface language). */
export function formatNumber(n: number, maxFractionDigits = 2): string {
  return new Intl.NumberFormat(i18next.language, { maximumFractionDigits: maxFractionDigits }).format(n);
}

export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(i18next.language, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** Calendar dates (YYYY-MM-DD) stay as written: they have no time zone and must not shift. */
export function formatDate(isoDate: string): string {
  return isoDate;
}
