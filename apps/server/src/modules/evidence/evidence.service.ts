// Evidence package of one inspection: manifest.json (the case's records, each signed envelope, the public keys that
// signed them, and each media file with name, size, SHA-256 and time range), the media files, the case's audit
// entries with their chain hashes, and the manifest's Ed25519 signature. Anyone verifies it offline with
// `rvi evidence verify FILE.zip --key KEYS` (@rvi/evidence).
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, or } from 'drizzle-orm';
import { exportEvidencePackage, inclusionProofs, type ExportFile, type ExportResult, type KeyRing } from '@rvi/evidence';
import { auditLeaves, type AuditCheckpoints } from '../audit/audit.checkpoints.ts';
import { inspectionOrders } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { conflict, notFound } from '../../platform/errors.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { authorizeCase } from '../findings/findings.policy.ts';
import { isEnterprise } from '../../platform/policy.ts';
import { assembleCase, type AssembledCase } from './case-story.service.ts';
import { renderCaseReport, type ReportLocale } from './case-report.ts';
import { localCopies, type CaseMediaFile } from './media.service.ts';
import type { ObjectStore } from '../../adapters/object-store.ts';
import { transaction } from '../../platform/unit-of-work.ts';

export const EVIDENCE_PACKAGE_KIND = 'rvi-inspection-case/1';

/** The seqs of the case's entries that the checkpoint covers. */
const audit0 = (entries: { seq: number }[], treeSize: number) => entries.map((e) => e.seq).filter((s) => s <= treeSize);

export interface EvidenceDeps {
  db: Db;
  keys: KeyRing;
  config: { dataDir: string };
  checkpoints: AuditCheckpoints;
  /** Where segments and snapshots are (absent: DATA_DIR/media). */
  store?: ObjectStore;
}

/** An order by id or order number (the CLI takes either). */
export async function resolveOrderId(db: Db, ref: string): Promise<string | null> {
  const [row] = await db.select({ id: inspectionOrders.id }).from(inspectionOrders).where(or(eq(inspectionOrders.id, ref), eq(inspectionOrders.orderNo, ref))).limit(1);
  return row?.id ?? null;
}

/**
 * Writes the evidence package of an order to `out` (refuses to overwrite). Role evidence.export (supervisors,
 * auditors, administrators of the order's office; the system actor for the CLI). The export is audited. A media
 * file whose content no longer matches the hash registered for it stops the export (409 media_altered): a package
 * would otherwise sign altered evidence as if it were the original.
 */
export async function exportCase(deps: EvidenceDeps, actor: Actor, orderId: string, out: string): Promise<ExportResult> {
  const [order] = await deps.db.select().from(inspectionOrders).where(eq(inspectionOrders.id, orderId)).limit(1);
  authorizeCase(actor, 'evidence.export', order ?? null, orderId);
  const c = await assembleCase(deps, orderId);
  if (!c) throw notFound('Inspection order', orderId);
  // A checkpoint of the whole log now (refused when the log does not verify: evidence is not signed over a tampered
  // trail), and the inclusion proof of each of the case's entries in it.
  const cp = await deps.checkpoints.create();
  const leaves = await auditLeaves(deps.db, cp.checkpoint.treeSize);
  const byIndex = inclusionProofs(leaves, audit0(c.story.audit, cp.checkpoint.treeSize).map((s) => s - 1));
  const proofs = new Map([...byIndex].map(([i, p]) => [i + 1, p]));
  const head = cp.checkpoint.treeSize ? { seq: cp.checkpoint.treeSize, hash: cp.checkpoint.headHash } : undefined;
  // objects of a remote store (S3) are downloaded next to the package first; the packager hashes and copies files
  const copies = join(tmpdir(), 'rvi-evidence', `media-${randomUUID()}`);
  try {
    const local = await localCopies(deps.store, c.media, copies);
    // the human-readable report travels inside the package (and so is covered by its signature)
    await fs.mkdir(copies, { recursive: true });
    const reportPath = join(copies, 'case-report.pdf');
    await fs.writeFile(reportPath, await renderCaseReport({ story: c.story, media: local, keys: await deps.keys.listPublicKeys(), locale: 'en' }));
    return await packageCase(local, c, reportPath);
  } finally {
    await fs.rm(copies, { recursive: true, force: true });
  }

  async function packageCase(media: CaseMediaFile[], c: AssembledCase, reportPath: string): Promise<ExportResult> {
  const files: ExportFile[] = media.map((m) => ({
    name: m.name, path: m.path, kind: m.kind,
    ...(m.startedAt && m.endedAt ? { timeRange: { start: m.startedAt, end: m.endedAt } } : {}),
  }));
  files.push({ name: 'case-report.pdf', path: reportPath, kind: 'report' });
  const { audit, ...records } = c.story;
  const result = await exportEvidencePackage({
    out,
    manifestBase: {
      kind: EVIDENCE_PACKAGE_KIND,
      orderId, orderNo: order!.orderNo,
      exportedBy: { id: actor.userId, username: actor.username, role: actor.role },
      case: records,
      signedRecords: c.envelopes,
      signingKeys: await deps.keys.listPublicKeys(),
    },
    files,
    auditEntries: audit,
    keyRing: deps.keys,
    auditChainHead: head,
    auditCheckpoint: { signed: cp, proofs },
  });
  const altered = result.files.filter((f) => f.name !== 'media/case-report.pdf' && c.media.find((m) => `media/${m.name}` === f.name)?.sha256 !== f.sha256);
  if (altered.length) {
    await fs.rm(out, { force: true });
    throw conflict('media_altered', `Media changed since it was registered (SHA-256 differs): ${altered.map((f) => f.name).join(', ')}`, { files: altered.map((f) => f.name) });
  }
  await transaction(deps.db, async (tx) => {
    await recordAudit(tx, actor, 'evidence.exported', { type: 'inspection_order', id: orderId }, {
      orderNo: order!.orderNo, manifestSha256: result.manifestSha256, keyId: result.keyId, bytes: result.bytes, files: result.files.length,
      auditEntries: result.auditEntries, auditProblems: result.auditProblems.length,
    });
  });
  return result;
  }
}

/** Exports to a fresh temporary file (for a download); the caller streams it and removes it. */
export async function exportCaseToTemp(deps: EvidenceDeps, actor: Actor, orderId: string): Promise<ExportResult> {
  const dir = join(tmpdir(), 'rvi-evidence');
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  return exportCase(deps, actor, orderId, join(dir, `${randomUUID()}.zip`));
}

/**
 * The case report as a PDF, in English or Chinese: the whole case for customs who read it (supervisors, auditors,
 * administrators of the office), the enterprise edition for the importer once decided. Snapshots of a remote store
 * are fetched for the thumbnails. The download is audited.
 */
export async function caseReport(deps: EvidenceDeps, actor: Actor, orderId: string, locale: ReportLocale): Promise<{ pdf: Buffer; orderNo: string }> {
  const [order] = await deps.db.select().from(inspectionOrders).where(eq(inspectionOrders.id, orderId)).limit(1);
  // The importer gets its own edition once the decision took effect (its outcome page): 409 not_decided before.
  const edition = isEnterprise(actor) ? 'enterprise' : 'customs';
  if (edition === 'enterprise') {
    authorizeCase(actor, 'order.read', order ?? null, orderId);
    if (!['decided', 'closed'].includes(order!.state)) throw conflict('not_decided', `Order ${order!.orderNo} has no decision yet: its report follows the decision`, { state: order!.state });
  } else {
    authorizeCase(actor, 'audit.read', order ?? null, orderId);
  }
  const c = await assembleCase(deps, orderId);
  if (!c) throw notFound('Inspection order', orderId);
  const copies = join(tmpdir(), 'rvi-evidence', `report-${randomUUID()}`);
  try {
    const snapshots = c.media.filter((m) => m.kind === 'snapshot');
    const local = await localCopies(deps.store, snapshots, copies);
    const pdf = await renderCaseReport({ story: c.story, media: local, keys: await deps.keys.listPublicKeys(), locale, edition });
    await transaction(deps.db, async (tx) => {
      await recordAudit(tx, actor, 'case_report.downloaded', { type: 'inspection_order', id: orderId }, { orderNo: order!.orderNo, locale, edition, bytes: pdf.length });
    });
    return { pdf, orderNo: order!.orderNo };
  } finally {
    await fs.rm(copies, { recursive: true, force: true });
  }
}
