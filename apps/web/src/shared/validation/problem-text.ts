import type { TFunction } from 'i18next';
import type { Problem, Problems } from './schema-check.ts';

/**
 * Translates a field problem. A pattern problem gets the field's own hint (`patterns.<field>`, e.g. "6 digits")
 * because a regular expression means nothing to a user.
 */
export function problemText(t: TFunction, field: string, p: Problem, hints = 'patterns'): string {
  let text: string;
  if (p.code === 'pattern') {
    const hint = t(`${hints}.${field}`, { defaultValue: '' });
    text = hint ? t('validation.patternHint', { hint }) : t('validation.pattern');
  } else {
    text = t(`validation.${p.code}`, { ...p.params });
  }
  // a bad item of a list (e.g. one container number) is named, since the field holds several
  return p.params?.item !== undefined ? `${p.params.item}: ${text}` : text;
}

/** Field → translated message, for a form's `error` props. `hints` names the group of pattern hints to use. */
export function problemTexts(t: TFunction, problems: Problems, hints = 'patterns'): Record<string, string> {
  return Object.fromEntries(Object.entries(problems).map(([f, p]) => [f, problemText(t, f, p, hints)]));
}
