// Checklist templates per goods category. A few defaults are seeded on first use (idempotent); an office can add its
// own per category later (one active template per category; `general` covers every category without one).
import { and, eq } from 'drizzle-orm';
import type { LocalizedText } from '@rvi/contracts';
import { checklistTemplates } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';

type Step = { key: string; text: LocalizedText };
const step = (key: string, en: string, zh: string): Step => ({ key, text: { en, 'zh-CN': zh } });

const CONTAINER = step('container-number', 'Show the container number', '请展示集装箱号');
const SEAL = step('door-seal', 'Open the door and show the seal', '打开箱门并展示封志');
const CARTON = step('open-carton-3', 'Open carton no. 3', '打开第 3 号纸箱');
const WEIGH = step('weigh-carton', 'Weigh a carton', '称量一个纸箱');

export const DEFAULT_TEMPLATES: { id: string; goodsCategory: string; name: LocalizedText; steps: Step[] }[] = [
  { id: 'tpl-general-v1', goodsCategory: 'general', name: { en: 'General goods', 'zh-CN': '一般货物' }, steps: [CONTAINER, SEAL, CARTON, WEIGH] },
  {
    id: 'tpl-machinery-electronics-v1', goodsCategory: 'machinery_electronics', name: { en: 'Machinery and electronics', 'zh-CN': '机电产品' },
    steps: [CONTAINER, SEAL, CARTON, step('nameplate', 'Show the nameplate or model label of one unit', '展示一台设备的铭牌或型号标签'), WEIGH],
  },
  {
    id: 'tpl-food-agri-v1', goodsCategory: 'food_agri', name: { en: 'Food and agricultural products', 'zh-CN': '食品农产品' },
    steps: [CONTAINER, SEAL, step('temperature', 'Show the reefer temperature display', '展示冷藏箱温度显示'), CARTON, step('label-dates', 'Show the label with production and expiry dates', '展示标有生产日期和保质期的标签'), WEIGH],
  },
  {
    id: 'tpl-textiles-v1', goodsCategory: 'textiles', name: { en: 'Textiles and garments', 'zh-CN': '纺织品服装' },
    steps: [CONTAINER, SEAL, CARTON, step('fabric-label', 'Show the fibre-content label of one garment', '展示一件服装的成分标签'), WEIGH],
  },
];

let seeded = new WeakSet<object>();

/** Inserts the default templates that are missing (safe to call concurrently and repeatedly). */
export async function ensureDefaultTemplates(db: Db): Promise<void> {
  if (seeded.has(db)) return;
  await db.insert(checklistTemplates).values(DEFAULT_TEMPLATES.map((t) => ({ ...t, active: true }))).onConflictDoNothing();
  seeded.add(db);
}

export function resetTemplateSeedCache(): void {
  seeded = new WeakSet();
}

/** The active template for a goods category, else the general one (call ensureDefaultTemplates once before). */
export async function templateFor(db: Db, goodsCategory: string) {
  const [own] = await db.select().from(checklistTemplates).where(and(eq(checklistTemplates.goodsCategory, goodsCategory), eq(checklistTemplates.active, true))).limit(1);
  if (own) return own;
  const [general] = await db.select().from(checklistTemplates).where(and(eq(checklistTemplates.goodsCategory, 'general'), eq(checklistTemplates.active, true))).limit(1);
  return general ?? null;
}

export async function listTemplates(db: Db) {
  await ensureDefaultTemplates(db);
  return db.select().from(checklistTemplates).where(eq(checklistTemplates.active, true)).orderBy(checklistTemplates.goodsCategory);
}
