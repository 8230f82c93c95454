// Goods category and hazard flag from the HS code. Inspectors are qualified per category (dispatch matches on it);
// the categories follow the sections of the Harmonized System, grouped the way inspection specialisms usually are.

export type GoodsCategory =
  | 'live_animals' | 'food_agri' | 'minerals_fuels' | 'chemicals' | 'plastics_rubber' | 'wood_paper' | 'textiles'
  | 'metals' | 'machinery_electronics' | 'vehicles' | 'instruments' | 'weapons_ammunition' | 'general';

const RANGES: [number, number, GoodsCategory][] = [
  [1, 1, 'live_animals'],
  [2, 24, 'food_agri'],
  [25, 27, 'minerals_fuels'],
  [28, 38, 'chemicals'],
  [39, 40, 'plastics_rubber'],
  [44, 49, 'wood_paper'],
  [50, 67, 'textiles'],
  [72, 83, 'metals'],
  [84, 85, 'machinery_electronics'],
  [86, 89, 'vehicles'],
  [90, 92, 'instruments'],
  [93, 93, 'weapons_ammunition'],
];

/** Category of a 6-digit (or shorter) HS code by its chapter; unknown or unlisted chapters are `general`. */
export function goodsCategoryOf(hs: string): GoodsCategory {
  const chapter = Number.parseInt(String(hs).slice(0, 2), 10);
  if (!Number.isInteger(chapter)) return 'general';
  for (const [from, to, cat] of RANGES) if (chapter >= from && chapter <= to) return cat;
  return 'general';
}

// Dangerous goods by HS heading, a conservative proxy while declarations carry no UN number: explosives and
// pyrotechnics (ch. 36), arms and ammunition (ch. 93), radioactive elements and isotopes (2844, 2845), petroleum
// oils and gases (2710, 2711).
const HAZARDOUS_CHAPTERS = new Set(['36', '93']);
const HAZARDOUS_HEADINGS = new Set(['2844', '2845', '2710', '2711']);

export function isHazardousHs(hs: string): boolean {
  const s = String(hs);
  return HAZARDOUS_CHAPTERS.has(s.slice(0, 2)) || HAZARDOUS_HEADINGS.has(s.slice(0, 4));
}
