// Code lists of a declaration, shared by the server (which enforces them) and the web form (which offers them as
// pickers and checks them as the user types):
// - countries: ISO 3166-1 alpha-2 (i18n-iso-countries), plus ZZ "unknown", which the Korea Customs dataset uses;
// - currencies: ISO 4217 active codes (currency-codes);
// - package kinds: UN/ECE Recommendation 21 (codes for types of cargo, packages and packaging materials), the codes in
//   common use (the full annex lists ~380; a code outside this list is refused, naming the field);
// - units of quantity: UN/ECE Recommendation 20, the units customs goods lines use;
// - ISO 6346 container numbers with the check digit.
// Names are not stored here: the UI asks Intl.DisplayNames (countries, currencies) in the reader's language, and the
// locale files for package kinds and units.
import countries from 'i18n-iso-countries';
import currencyCodes from 'currency-codes';

/** ISO 3166-1 alpha-2 codes, sorted, with ZZ (unknown or unspecified) that customs data uses. */
export const COUNTRY_CODES: readonly string[] = [...Object.keys(countries.getAlpha2Codes()), 'ZZ'].sort();
const COUNTRY_SET = new Set(COUNTRY_CODES);
export const isCountryCode = (c: string) => COUNTRY_SET.has(c);

/** ISO 4217 currency codes (active list), sorted; XXX (no currency) and test codes excluded. */
export const CURRENCY_CODES: readonly string[] = currencyCodes.codes().filter((c) => !['XXX', 'XTS'].includes(c)).sort();
const CURRENCY_SET = new Set(CURRENCY_CODES);
export const isCurrencyCode = (c: string) => CURRENCY_SET.has(c);

/** UN/ECE Recommendation 21 package type codes in common use (English names; zh-CN in the locale files). */
export const PACKAGE_KINDS: Readonly<Record<string, string>> = {
  AE: 'Aerosol', AM: 'Ampoule', BA: 'Barrel', BE: 'Bundle', BG: 'Bag', BK: 'Basket', BL: 'Bale, compressed',
  BN: 'Bale, non-compressed', BO: 'Bottle', BX: 'Box', CA: 'Can, rectangular', CH: 'Chest', CN: 'Container',
  CO: 'Carboy', CR: 'Crate', CS: 'Case', CT: 'Carton', CX: 'Can, cylindrical', CY: 'Cylinder', DR: 'Drum',
  EN: 'Envelope', FC: 'Fruit crate', JC: 'Jerrican', JR: 'Jar', NE: 'Unpacked', NT: 'Net', PA: 'Packet', PC: 'Parcel',
  PK: 'Package', PL: 'Pail', PX: 'Pallet', RL: 'Reel', RO: 'Roll', SA: 'Sack', SK: 'Skeleton case', SW: 'Shrink-wrapped',
  TB: 'Tub', TK: 'Tank, rectangular', TN: 'Tin', TU: 'Tube', TY: 'Tank, cylindrical', VI: 'Vial',
  VL: 'Bulk, liquid', VQ: 'Bulk, liquefied gas', VR: 'Bulk, solid, granular', VY: 'Bulk, solid, fine', WA: 'Intermediate bulk container',
  ZZ: 'Mutually defined',
};
export const PACKAGE_KIND_CODES = Object.keys(PACKAGE_KINDS).sort();
export const isPackageKind = (c: string) => Object.hasOwn(PACKAGE_KINDS, c);

/** UN/ECE Recommendation 20 units of measure used on goods lines. */
export const QUANTITY_UNITS: Readonly<Record<string, string>> = {
  PCE: 'Piece', H87: 'Piece (item)', SET: 'Set', PR: 'Pair', NAR: 'Number of articles', KGM: 'Kilogram', GRM: 'Gram',
  TNE: 'Tonne', LTR: 'Litre', MTQ: 'Cubic metre', MTK: 'Square metre', MTR: 'Metre', CT: 'Carton', BX: 'Box', PK: 'Package',
  DZN: 'Dozen',
};
export const QUANTITY_UNIT_CODES = Object.keys(QUANTITY_UNITS).sort();
export const isQuantityUnit = (c: string) => Object.hasOwn(QUANTITY_UNITS, c);

const LETTER_VALUES: Record<string, number> = (() => {
  const values: Record<string, number> = {};
  let v = 10;
  for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') {
    if (v % 11 === 0) v++;
    values[ch] = v++;
  }
  return values;
})();

/** ISO 6346 check digit of an owner code + category + serial (10 characters), or null when malformed. */
export function iso6346CheckDigit(prefix: string): number | null {
  if (!/^[A-Z]{3}[UJZ][0-9]{6}/.test(prefix)) return null;
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += (i < 4 ? LETTER_VALUES[prefix[i]] : prefix.charCodeAt(i) - 48) * 2 ** i;
  return (sum % 11) % 10;
}

/**
 * Why a container number is not a valid ISO 6346 number, in words that name it, or null when it is valid.
 * E.g. "SEGU6284788: the check digit is 8, ISO 6346 gives 3 for SEGU628478".
 */
export function containerNumberProblem(n: string): string | null {
  if (!/^[A-Z]{3}[UJZ][0-9]{7}$/.test(n)) {
    return `${n}: not an ISO 6346 container number (3-letter owner code, category U, J or Z, 6-digit serial, check digit)`;
  }
  const want = iso6346CheckDigit(n.slice(0, 10))!;
  const got = n.charCodeAt(10) - 48;
  return want === got ? null : `${n}: the check digit is ${got}, ISO 6346 gives ${want} for ${n.slice(0, 10)}`;
}

/** A code-list problem: English `message` (API), and `code` + `params` the UI translates (`validation.codes.<code>`). */
export interface CodeProblem {
  field: string;
  message: string;
  code: 'container_format' | 'check_digit' | 'duplicate_container' | 'duplicate_seal' | 'country' | 'currency' | 'package_kind' | 'unit';
  params: Record<string, string | number>;
}

/** The ISO 6346 problem of a container number as a code with parameters (for translation), or null. */
export function containerNumberIssue(n: string): Pick<CodeProblem, 'code' | 'params' | 'message'> | null {
  const message = containerNumberProblem(n);
  if (!message) return null;
  if (!/^[A-Z]{3}[UJZ][0-9]{7}$/.test(n)) return { code: 'container_format', params: { number: n }, message };
  return { code: 'check_digit', params: { number: n, got: n.charCodeAt(10) - 48, want: iso6346CheckDigit(n.slice(0, 10))! }, message };
}

/** The coded fields of a declaration (or part of one) as the code lists and ISO 6346 see them. */
export interface CodedDeclarationFields {
  countryOfDeparture?: string;
  countryOfOrigin?: string;
  currency?: string | null;
  packageKind?: string | null;
  containers?: { number: string; seals?: string[] }[];
  goodsLines?: { unit: string; countryOfOrigin?: string | null }[];
}

/**
 * Every coded field checked against its list, each problem naming the field (`containers[1].number`) and the value.
 * Also: no container twice, no seal twice across the containers.
 */
export function declarationCodeProblems(d: CodedDeclarationFields): CodeProblem[] {
  const out: CodeProblem[] = [];
  for (const f of ['countryOfDeparture', 'countryOfOrigin'] as const) {
    const v = d[f];
    if (v !== undefined && !isCountryCode(v)) out.push({ field: f, code: 'country', params: { value: v }, message: `${v} is not an ISO 3166-1 country code` });
  }
  if (d.currency != null && !isCurrencyCode(d.currency)) out.push({ field: 'currency', code: 'currency', params: { value: d.currency }, message: `${d.currency} is not an ISO 4217 currency code` });
  if (d.packageKind != null && !isPackageKind(d.packageKind)) out.push({ field: 'packageKind', code: 'package_kind', params: { value: d.packageKind }, message: `${d.packageKind} is not a UN/ECE Recommendation 21 package type code` });
  const seenContainers = new Set<string>();
  const seenSeals = new Set<string>();
  (d.containers ?? []).forEach((c, i) => {
    const p = containerNumberIssue(c.number);
    if (p) out.push({ field: `containers[${i}].number`, ...p });
    if (seenContainers.has(c.number)) out.push({ field: `containers[${i}].number`, code: 'duplicate_container', params: { number: c.number }, message: `${c.number} is listed twice` });
    seenContainers.add(c.number);
    (c.seals ?? []).forEach((s, j) => {
      if (seenSeals.has(s)) out.push({ field: `containers[${i}].seals[${j}]`, code: 'duplicate_seal', params: { seal: s }, message: `seal ${s} is listed twice` });
      seenSeals.add(s);
    });
  });
  (d.goodsLines ?? []).forEach((g, i) => {
    if (!isQuantityUnit(g.unit)) out.push({ field: `goodsLines[${i}].unit`, code: 'unit', params: { value: g.unit }, message: `${g.unit} is not a UN/ECE Recommendation 20 unit code` });
    if (g.countryOfOrigin != null && !isCountryCode(g.countryOfOrigin)) out.push({ field: `goodsLines[${i}].countryOfOrigin`, code: 'country', params: { value: g.countryOfOrigin }, message: `${g.countryOfOrigin} is not an ISO 3166-1 country code` });
  });
  return out;
}
