/**
 * What the object detector sees, in customs words: COCO classes mapped to the HS chapters (and headings) they
 * correspond to, suggested findings when what is seen does not fit the declared HS chapter, and a count compared
 * with the declared package quantity where the goods are countable. Suggestions only: the inspector decides.
 */
import type { DetectedObject } from './detector.ts';

export interface GoodsClass {
  /** HS chapter (2 digits) and, where one heading fits, the heading (4 digits). */
  chapter: string;
  heading?: string;
  /** Counted one by one (a bicycle, a television), unlike a bowl of fruit. */
  countable: boolean;
}

/**
 * COCO classes that are goods someone may declare. Persons, animals in the yard, traffic furniture and the like are
 * not goods and are left out (persons are still reported, for privacy blurring).
 */
export const GOODS_CLASSES: Record<string, GoodsClass> = {
  bicycle: { chapter: '87', heading: '8712', countable: true },
  car: { chapter: '87', heading: '8703', countable: true },
  motorcycle: { chapter: '87', heading: '8711', countable: true },
  bus: { chapter: '87', heading: '8702', countable: true },
  truck: { chapter: '87', heading: '8704', countable: true },
  boat: { chapter: '89', countable: true },
  airplane: { chapter: '88', countable: true },
  train: { chapter: '86', countable: true },
  backpack: { chapter: '42', heading: '4202', countable: true },
  handbag: { chapter: '42', heading: '4202', countable: true },
  suitcase: { chapter: '42', heading: '4202', countable: true },
  umbrella: { chapter: '66', heading: '6601', countable: true },
  tie: { chapter: '62', heading: '6215', countable: true },
  skis: { chapter: '95', heading: '9506', countable: true },
  snowboard: { chapter: '95', heading: '9506', countable: true },
  'sports ball': { chapter: '95', heading: '9506', countable: true },
  kite: { chapter: '95', countable: true },
  'baseball bat': { chapter: '95', heading: '9506', countable: true },
  'baseball glove': { chapter: '95', heading: '9506', countable: true },
  skateboard: { chapter: '95', heading: '9506', countable: true },
  surfboard: { chapter: '95', heading: '9506', countable: true },
  'tennis racket': { chapter: '95', heading: '9506', countable: true },
  frisbee: { chapter: '95', countable: true },
  'teddy bear': { chapter: '95', heading: '9503', countable: true },
  bottle: { chapter: '22', countable: true },
  'wine glass': { chapter: '70', heading: '7013', countable: true },
  cup: { chapter: '69', countable: true },
  bowl: { chapter: '69', countable: true },
  vase: { chapter: '69', countable: true },
  fork: { chapter: '82', heading: '8215', countable: true },
  knife: { chapter: '82', heading: '8211', countable: true },
  spoon: { chapter: '82', heading: '8215', countable: true },
  scissors: { chapter: '82', heading: '8213', countable: true },
  banana: { chapter: '08', heading: '0803', countable: false },
  apple: { chapter: '08', heading: '0808', countable: false },
  orange: { chapter: '08', heading: '0805', countable: false },
  broccoli: { chapter: '07', heading: '0704', countable: false },
  carrot: { chapter: '07', heading: '0706', countable: false },
  sandwich: { chapter: '19', countable: false },
  'hot dog': { chapter: '16', countable: false },
  pizza: { chapter: '19', heading: '1905', countable: false },
  donut: { chapter: '19', heading: '1905', countable: false },
  cake: { chapter: '19', heading: '1905', countable: false },
  chair: { chapter: '94', heading: '9401', countable: true },
  couch: { chapter: '94', heading: '9401', countable: true },
  bed: { chapter: '94', heading: '9403', countable: true },
  'dining table': { chapter: '94', heading: '9403', countable: true },
  bench: { chapter: '94', heading: '9401', countable: true },
  'potted plant': { chapter: '06', heading: '0602', countable: true },
  toilet: { chapter: '69', heading: '6910', countable: true },
  sink: { chapter: '69', heading: '6910', countable: true },
  tv: { chapter: '85', heading: '8528', countable: true },
  laptop: { chapter: '84', heading: '8471', countable: true },
  mouse: { chapter: '84', heading: '8471', countable: true },
  keyboard: { chapter: '84', heading: '8471', countable: true },
  remote: { chapter: '85', countable: true },
  'cell phone': { chapter: '85', heading: '8517', countable: true },
  microwave: { chapter: '85', heading: '8516', countable: true },
  oven: { chapter: '85', heading: '8516', countable: true },
  toaster: { chapter: '85', heading: '8516', countable: true },
  'hair drier': { chapter: '85', heading: '8516', countable: true },
  refrigerator: { chapter: '84', heading: '8418', countable: true },
  clock: { chapter: '91', countable: true },
  book: { chapter: '49', heading: '4901', countable: true },
  toothbrush: { chapter: '96', heading: '9603', countable: true },
};

/** Scores from which a detection counts as seen for a suggestion (CenterNet's guesses below this are often wrong). */
export const FINDING_MIN_SCORE = 0.35;

export interface GoodsSeen {
  class: string;
  chapter: string;
  heading: string | null;
  count: number;
  maxScore: number;
  countable: boolean;
  boxes: Array<[number, number, number, number]>;
}

/** Goods seen, grouped by class (persons and non-goods left out). */
export function goodsInView(objects: DetectedObject[], minScore = FINDING_MIN_SCORE): GoodsSeen[] {
  const byClass = new Map<string, GoodsSeen>();
  for (const o of objects) {
    const g = GOODS_CLASSES[o.class];
    if (!g || o.score < minScore) continue;
    const seen = byClass.get(o.class) ?? { class: o.class, chapter: g.chapter, heading: g.heading ?? null, count: 0, maxScore: 0, countable: g.countable, boxes: [] };
    seen.count++;
    seen.maxScore = Math.max(seen.maxScore, o.score);
    seen.boxes.push(o.box);
    byClass.set(o.class, seen);
  }
  return [...byClass.values()].sort((a, b) => b.maxScore - a.maxScore);
}

export interface ObjectFinding {
  field: 'goods_seen' | 'package_count';
  declared: string;
  observed: string;
  confidence: number;
  rule: 'objects_hs_chapter_mismatch' | 'objects_count_below_declared' | 'objects_count_above_declared';
  message: string;
  /** Where: the boxes of the objects concerned, [x, y, w, h] in image pixels. */
  boxes: Array<[number, number, number, number]>;
}

export interface ObjectComparison {
  seen: GoodsSeen[];
  findings: ObjectFinding[];
  /** Goods seen that fit a declared chapter. */
  matches: Array<{ class: string; chapter: string; count: number }>;
}

/**
 * Compares the goods in view with the declaration: a class of goods that belongs to none of the declared HS chapters
 * is a suggested finding; when what is seen fits the declared chapter and is countable, the count is compared with the
 * declared package quantity. A count higher than declared is a finding (the picture proves at least that many); a
 * lower one only when the view is expected to show all the packages (`allInView`): a photo rarely shows the whole load.
 */
export function compareObjectsWithDeclaration(
  objects: DetectedObject[],
  declared: { hsCodes: string[]; packages?: number | null; allInView?: boolean },
): ObjectComparison {
  const seen = goodsInView(objects);
  const chapters = new Set(declared.hsCodes.map((h) => h.replace(/\D/g, '').slice(0, 2)).filter((c) => c.length === 2));
  const findings: ObjectFinding[] = [];
  const matches: ObjectComparison['matches'] = [];
  for (const s of seen) {
    if (!chapters.size) continue;
    if (!chapters.has(s.chapter)) {
      findings.push({
        field: 'goods_seen', declared: [...chapters].map((c) => `HS ${c}`).join(', '), observed: `${s.count} × ${s.class} (HS ${s.heading ?? s.chapter})`,
        confidence: s.maxScore, rule: 'objects_hs_chapter_mismatch',
        message: `${s.class} seen (HS chapter ${s.chapter}); the declaration is for chapter ${[...chapters].join(', ')}`, boxes: s.boxes,
      });
      continue;
    }
    matches.push({ class: s.class, chapter: s.chapter, count: s.count });
    const pk = declared.packages;
    if (s.countable && pk && pk > 0 && (s.count > pk || (declared.allInView && s.count < pk))) {
      const above = s.count > pk;
      findings.push({
        field: 'package_count', declared: String(pk), observed: `${s.count} × ${s.class}`, confidence: s.maxScore,
        rule: above ? 'objects_count_above_declared' : 'objects_count_below_declared',
        message: above ? `${s.count} ${s.class} in view, ${pk} declared` : `only ${s.count} ${s.class} in view of ${pk} declared`, boxes: s.boxes,
      });
    }
  }
  return { seen, findings, matches };
}
