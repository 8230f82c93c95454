// The release notice (issue 18): when a decision releases the goods, every enterprise user of the importer with an
// e-mail address receives the notice by e-mail with a PDF attached (declaration, order, outcome, release time, the
// corrections in words, who signed and with which key). The in-app notification is written with the decision
// itself ('inspection.decided'); this handler runs after commit from the outbox, at least once: an audit entry per
// decision makes a repeated delivery send nothing.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { and, eq, isNotNull } from 'drizzle-orm';
import PDFDocument from 'pdfkit';
import type { Mailer } from '../../adapters/mail.ts';
import { auditLog, declarations, decisionEffects, decisions, inspectionOrders, organisations, users } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import { systemActor } from '../../platform/actor.ts';
import { transaction } from '../../platform/unit-of-work.ts';
import { recordAudit } from '../audit/audit.service.ts';

const FONT = ['/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', 'NotoSansCJKsc-Regular'] as const;
const OUTCOME: Record<string, string> = { release: 'Released / 放行', release_with_correction: 'Released with correction / 更正后放行' };
const FIELD: Record<string, string> = {
  netMassKg: 'Net mass (kg) / 净重（千克）', grossMassKg: 'Gross mass (kg) / 毛重（千克）', countryOfOrigin: 'Country of origin / 原产国', hs6: 'HS code / HS 编码',
  itemPrice: 'Item price / 单价', customsValue: 'Customs value / 完税价格', currency: 'Currency / 币种', packageCount: 'Packages / 件数',
};

export interface ReleaseNotice {
  orderNo: string;
  declarationNo: string;
  enterpriseName: string;
  officeName: string;
  outcome: string;
  releasedAt: Date;
  corrections: { field: string; declared: string | null; corrected: string }[];
  signedBy: string;
  keyId: string;
  publicKey: string | null;
}

/** The notice as a one-page PDF, in English and Chinese side by side (the font with Chinese glyphs is embedded). */
export function renderReleaseNotice(n: ReleaseNotice): Promise<Buffer> {
  if (!existsSync(FONT[0])) throw new Error(`No font with Chinese glyphs at ${FONT[0]} (install fonts-noto-cjk)`);
  const doc = new PDFDocument({ size: 'A4', margin: 56, info: { Title: `Release notice ${n.declarationNo}`, Author: n.officeName } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('body', FONT[0], FONT[1]).font('body');
  doc.fontSize(18).text('Release notice / 放行通知书').moveDown(0.5);
  doc.fontSize(11);
  const row = (label: string, value: string) => doc.text(`${label}: ${value}`).moveDown(0.2);
  row('Customs office / 海关', n.officeName);
  row('Enterprise / 企业', n.enterpriseName);
  row('Declaration / 报关单号', n.declarationNo);
  row('Inspection order / 查验指令', n.orderNo);
  row('Decision / 结论', OUTCOME[n.outcome] ?? n.outcome);
  row('Goods released at / 放行时间', n.releasedAt.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));
  if (n.corrections.length) {
    doc.moveDown(0.4).fontSize(12).text('Corrections / 更正').fontSize(11);
    for (const c of n.corrections) doc.text(`• ${FIELD[c.field] ?? c.field}: declared / 申报 ${c.declared ?? '—'} → found / 查验 ${c.corrected}`);
    doc.moveDown(0.2).fontSize(10).text('Amend your declaration with these values in the portal (Outcomes). / 请在门户网站（查验结果）中按上述数值修改报关单。');
  }
  doc.moveDown(0.8).fontSize(9).fillColor('#444');
  doc.text(`Signed by / 签署人: ${n.signedBy} · key / 密钥 ${n.keyId}`);
  if (n.publicKey) doc.text(`Key fingerprint / 密钥指纹 (SHA-256): ${createHash('sha256').update(Buffer.from(n.publicKey, 'base64')).digest('hex').replace(/(.{4})(?!$)/g, '$1 ')}`);
  doc.end();
  return done;
}

/**
 * Sends the release notice of a decision that took effect and released the goods. Returns how many were sent; 0 when
 * the goods were not released, e-mail is not configured, nobody has an address, or it was sent already.
 */
export async function sendReleaseNotice(deps: { db: Db; mail: Mailer | null; keys: { listPublicKeys(): Promise<{ keyId: string; publicKey: string }[]> } }, decisionId: string): Promise<number> {
  const { db, mail } = deps;
  if (!mail) return 0;
  const [sent] = await db.select({ seq: auditLog.seq }).from(auditLog)
    .where(and(eq(auditLog.action, 'release_notice.sent'), eq(auditLog.targetType, 'decision'), eq(auditLog.targetId, decisionId))).limit(1);
  if (sent) return 0;
  const [row] = await db.select({ d: decisions, e: decisionEffects, o: inspectionOrders, declarationNo: declarations.declarationNo })
    .from(decisions).innerJoin(decisionEffects, eq(decisionEffects.decisionId, decisions.id))
    .innerJoin(inspectionOrders, eq(inspectionOrders.id, decisions.orderId))
    .innerJoin(declarations, eq(declarations.id, inspectionOrders.declarationId))
    .where(eq(decisions.id, decisionId)).limit(1);
  if (!row?.e.releasedAt) return 0;
  const orgs = new Map((await db.select({ id: organisations.id, name: organisations.name }).from(organisations)).map((o) => [o.id, o.name]));
  const [signer] = await db.select({ name: users.displayName }).from(users).where(eq(users.id, row.d.signedBy));
  const key = (await deps.keys.listPublicKeys()).find((k) => k.keyId === row.d.keyId);
  const recipients = await db.select({ id: users.id, email: users.email }).from(users)
    .where(and(eq(users.orgId, row.o.enterpriseId), eq(users.role, 'enterprise_user'), eq(users.active, true), isNotNull(users.email)));
  if (!recipients.length) return 0;
  const notice: ReleaseNotice = {
    orderNo: row.o.orderNo, declarationNo: row.declarationNo, enterpriseName: orgs.get(row.o.enterpriseId) ?? '', officeName: orgs.get(row.o.officeId) ?? '',
    outcome: row.d.outcome, releasedAt: row.e.releasedAt, corrections: row.d.corrections, signedBy: signer?.name ?? row.d.signedBy, keyId: row.d.keyId, publicKey: key?.publicKey ?? null,
  };
  const pdf = await renderReleaseNotice(notice);
  const lines = [
    `Customs released the goods of declaration ${notice.declarationNo} (inspection ${notice.orderNo}) at ${notice.releasedAt.toISOString()}.`,
    ...notice.corrections.map((c) => `Correction: ${FIELD[c.field] ?? c.field}: declared ${c.declared ?? '—'}, found ${c.corrected}. Please amend your declaration.`),
    '',
    `海关已于 ${notice.releasedAt.toISOString()} 放行报关单 ${notice.declarationNo}（查验指令 ${notice.orderNo}）项下货物。`,
    '',
    'The release notice is attached as a PDF. / 放行通知书见附件（PDF）。',
  ];
  const to: string[] = [];
  for (const r of recipients) {
    await mail.send({
      to: r.email!, subject: `Release notice ${notice.declarationNo} / 放行通知书`, text: lines.join('\n'),
      attachments: [{ filename: `release-notice-${notice.declarationNo}.pdf`, content: pdf, contentType: 'application/pdf' }],
      headers: { 'X-RVI-Order': row.o.id },
    });
    to.push(r.id);
  }
  await transaction(db, async (tx) => {
    await recordAudit(tx, systemActor('release-notice'), 'release_notice.sent', { type: 'decision', id: decisionId }, {
      orderId: row.o.id, orderNo: row.o.orderNo, recipients: to.length, from: mail.from, pdfSha256: createHash('sha256').update(pdf).digest('hex'),
    });
  });
  return to.length;
}
