import { formatNumber } from '../../shared/format.ts';
import { i18next } from '../../shared/i18n/index.ts';

const t = (k: string, o?: Record<string, unknown>) => i18next.t(k, o);

/** Hours as the most readable unit: minutes under an hour, days from two days on. */
export function formatHours(h: number | null | undefined): string {
  if (h === null || h === undefined || !Number.isFinite(h)) return '—';
  if (h < 1) return t('dashboard.unit.minutes', { n: formatNumber(h * 60, 0) });
  if (h < 48) return t('dashboard.unit.hours', { n: formatNumber(h, 1) });
  return t('dashboard.unit.days', { n: formatNumber(h / 24, 1) });
}

export function formatPct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${formatNumber(v * 100, digits)} %`;
}

/** A bucket of the time-to-release distribution, e.g. "1–2 h", "< 30 min", "≥ 7 d". */
export function bucketLabel(fromMinutes: number, toMinutes: number | null): string {
  const m = (x: number) => (x < 60 ? t('dashboard.unit.minutes', { n: x }) : x < 2880 ? t('dashboard.unit.hours', { n: x / 60 }) : t('dashboard.unit.days', { n: x / 1440 }));
  if (fromMinutes === 0 && toMinutes !== null) return `< ${m(toMinutes)}`;
  if (toMinutes === null) return `≥ ${m(fromMinutes)}`;
  return `${m(fromMinutes)} – ${m(toMinutes)}`;
}

/** Elapsed time as h:mm:ss (the duration on a session tile). */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
