/**
 * Country names (English and Chinese) → ISO 3166-1 alpha-2. Names come from the ICU data in Node
 * (Intl.DisplayNames, simplified and traditional Chinese) plus the forms printed on real labels that
 * ICU does not use ("USA", "KOREA", "P.R.C.", "VIET NAM", "台湾省"…).
 */

/** Codes ICU knows that are not current ISO 3166-1 countries (deprecated, reserved or pseudo regions). */
const NOT_COUNTRIES = new Set(['AC', 'AN', 'BU', 'CP', 'CQ', 'CS', 'DD', 'DG', 'DY', 'EA', 'EU', 'EZ', 'FX', 'HV', 'IC', 'NH', 'QO', 'RH', 'SU', 'TA', 'TP', 'UK', 'UN', 'VD', 'XA', 'XB', 'YD', 'YU', 'ZR', 'ZZ']);

const EXTRA_EN: Record<string, string[]> = {
  US: ['USA', 'U S A', 'US', 'U S', 'AMERICA', 'UNITED STATES OF AMERICA', 'THE UNITED STATES'],
  GB: ['UK', 'U K', 'GREAT BRITAIN', 'BRITAIN', 'ENGLAND', 'SCOTLAND', 'WALES', 'NORTHERN IRELAND'],
  CN: ['PRC', 'P R C', 'PR CHINA', 'P R CHINA', 'PEOPLES REPUBLIC OF CHINA', 'THE PEOPLES REPUBLIC OF CHINA', 'MAINLAND CHINA'],
  KR: ['KOREA', 'REPUBLIC OF KOREA', 'KOREA REPUBLIC OF', 'KOREA REP', 'ROK'],
  KP: ['DPRK', 'DEMOCRATIC PEOPLES REPUBLIC OF KOREA'],
  VN: ['VIET NAM'],
  TW: ['TAIWAN ROC', 'REPUBLIC OF CHINA', 'CHINESE TAIPEI'],
  HK: ['HONG KONG', 'HONGKONG', 'HONG KONG CHINA', 'HONG KONG SAR'],
  MO: ['MACAO', 'MACAU'],
  TR: ['TURKEY', 'TURKIYE'],
  CZ: ['CZECH REPUBLIC', 'CZECH'],
  RU: ['RUSSIAN FEDERATION'],
  AE: ['UAE', 'U A E', 'EMIRATES'],
  NL: ['HOLLAND', 'THE NETHERLANDS'],
  MM: ['MYANMAR', 'BURMA'],
  CI: ['IVORY COAST', 'COTE DIVOIRE'],
  CD: ['DR CONGO', 'DEMOCRATIC REPUBLIC OF THE CONGO'],
  CG: ['CONGO', 'REPUBLIC OF THE CONGO'],
  SZ: ['SWAZILAND'],
  MK: ['MACEDONIA'],
  LA: ['LAO', 'LAO PDR'],
  IR: ['IRAN ISLAMIC REPUBLIC OF'],
  SY: ['SYRIAN ARAB REPUBLIC'],
  MD: ['MOLDOVA REPUBLIC OF'],
  TZ: ['TANZANIA UNITED REPUBLIC OF'],
  VE: ['VENEZUELA'],
  BO: ['BOLIVIA'],
  VA: ['VATICAN', 'HOLY SEE'],
  BA: ['BOSNIA', 'BOSNIA AND HERZEGOVINA'],
  TT: ['TRINIDAD AND TOBAGO'],
  AG: ['ANTIGUA AND BARBUDA'],
  KN: ['SAINT KITTS AND NEVIS'],
  LC: ['SAINT LUCIA'],
  VC: ['SAINT VINCENT AND THE GRENADINES'],
  ST: ['SAO TOME AND PRINCIPE'],
  TL: ['EAST TIMOR'],
  CV: ['CABO VERDE'],
  PS: ['PALESTINE'],
};

const EXTRA_ZH: Record<string, string[]> = {
  CN: ['中华人民共和国', '中國大陸', '中国大陆', '中國'],
  TW: ['中国台湾', '台湾省', '中國台灣', '臺灣'],
  HK: ['香港', '中国香港', '中國香港'],
  MO: ['澳门', '中国澳门', '澳門'],
  US: ['美利坚合众国', '美國'],
  GB: ['英國', '大不列颠'],
  KR: ['韩國', '南韩', '大韩民国', '大韓民國', '韓國'],
  KP: ['北韩', '朝鲜民主主义人民共和国'],
  ID: ['印尼'],
  AE: ['阿联酋', '阿聯酋'],
  AU: ['澳洲'],
  NZ: ['紐西蘭'],
  IT: ['義大利'],
  VN: ['越南社会主义共和国'],
  RU: ['俄罗斯联邦'],
  DE: ['德意志'],
  CZ: ['捷克共和国'],
  BD: ['孟加拉'],
  LA: ['寮國'],
  PH: ['菲律賓'],
  TH: ['泰國'],
  MY: ['馬來西亞'],
  SG: ['星加坡'],
  SA: ['沙特'],
};

export interface CountryNames {
  /** Upper-case English name with only letters (spaces removed) → code. */
  enCompact: Map<string, string>;
  /** Chinese name → code. */
  zh: Map<string, string>;
  codes: Set<string>;
}

/** Upper case, accents and punctuation removed, "&" spelled "AND", single spaces. */
export function normalizeEnglishName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/&/g, ' AND ')
    .replace(/\bST\.?\s/g, 'SAINT ')
    .replace(/[’'`]/g, '')
    .replace(/[^A-Z]+/g, ' ')
    .trim();
}

let cached: CountryNames | null = null;

export function countryNames(): CountryNames {
  if (cached) return cached;
  const enCompact = new Map<string, string>();
  const zh = new Map<string, string>();
  const codes = new Set<string>();
  const en = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  const zhs = new Intl.DisplayNames(['zh-Hans'], { type: 'region', fallback: 'none' });
  const zht = new Intl.DisplayNames(['zh-Hant'], { type: 'region', fallback: 'none' });
  const addEn = (name: string, code: string) => {
    const key = normalizeEnglishName(name).replace(/ /g, '');
    if (key.length >= 2 && !enCompact.has(key)) enCompact.set(key, code);
  };
  const addZh = (name: string, code: string) => {
    const key = name.replace(/[\s（）()]/g, '');
    if (key && !zh.has(key)) zh.set(key, code);
  };
  // Hand-written aliases first: they win over ICU's forms where both exist.
  for (const [code, names] of Object.entries(EXTRA_EN)) for (const n of names) addEn(n, code);
  for (const [code, names] of Object.entries(EXTRA_ZH)) for (const n of names) addZh(n, code);
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      if (NOT_COUNTRIES.has(code)) continue;
      const name = en.of(code);
      if (!name) continue;
      codes.add(code);
      addEn(name, code);
      // "Hong Kong SAR China", "Myanmar (Burma)", "Congo - Kinshasa": also the part before the qualifier.
      const short = name.replace(/\s*\(.*\)$/, '').replace(/\s+SAR China$/, '').replace(/\s+-\s+.*$/, '');
      if (short !== name) addEn(short, code);
      for (const zn of [zhs.of(code), zht.of(code)]) {
        if (!zn) continue;
        addZh(zn, code);
        const zshort = zn.replace(/特别行政区|特別行政區/, '').replace(/^中国|^中國/, '');
        if (zshort && zshort !== zn && zshort.length >= 2) addZh(zshort, code);
      }
    }
  }
  cached = { enCompact, zh, codes };
  return cached;
}

/** True for a current ISO 3166-1 alpha-2 code. */
export function isCountryCode(code: string): boolean {
  return countryNames().codes.has(code.toUpperCase());
}
