// The human-readable case report (issue 18): one PDF per inspection, for people rather than machines. It tells the
// case in workflow order (declaration, why it was selected, the timeline, findings with their snapshots, the
// decision and its approvals) and how to check it: the SHA-256 of every media file, the signing keys' fingerprints
// and the verification steps for the evidence package. Made with pdfkit; the Noto Sans CJK font is embedded
// (subset), so Chinese text renders in both languages.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import type { CaseStory } from '@rvi/contracts';
import type { PublicKeyInfo } from '@rvi/evidence';
import type { CaseMediaFile } from './media.service.ts';

export type ReportLocale = 'en' | 'zh-CN';

/** Fonts with Chinese glyphs, as Debian's fonts-noto-cjk installs them (scripts/system-deps.mjs), and the face in the collection. */
const CJK_FONTS = [
  { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', face: 'NotoSansCJKsc-Regular' },
  { path: '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc', face: 'NotoSerifCJKsc-Regular' },
];

function cjkFont(): { path: string; face: string } {
  const f = CJK_FONTS.find((x) => existsSync(x.path));
  if (!f) throw new Error(`No font with Chinese glyphs found (install fonts-noto-cjk): looked for ${CJK_FONTS.map((x) => x.path).join(', ')}`);
  return f;
}

/** SHA-256 of the raw Ed25519 public key, hex in groups of four: what a person compares with the published key. */
export function keyFingerprint(publicKeyBase64: string): string {
  return createHash('sha256').update(Buffer.from(publicKeyBase64, 'base64')).digest('hex').replace(/(.{4})(?!$)/g, '$1 ');
}

const TEXT = {
  en: {
    title: 'Inspection case report', order: 'Inspection order', generated: 'Generated', state: 'State',
    declaration: 'Declaration', declarationNo: 'Declaration no.', enterprise: 'Enterprise', date: 'Date', hs6: 'HS code',
    origin: 'Country of origin', netMass: 'Net mass (kg)', grossMass: 'Gross mass (kg)', value: 'Customs value', packages: 'Packages',
    containers: 'Containers (seals)', version: 'Version',
    selection: 'Why it was selected', selKind: { risk: 'risk targeting', random: 'random selection', manual: 'by a supervisor', application: 'the enterprise applied' } as Record<string, string>,
    seed: 'Draw seed', risk: 'Risk score', channel: 'channel',
    timeline: 'Timeline', by: 'by', findings: 'Findings', noFindings: 'No findings recorded.', declared: 'declared', observed: 'observed',
    signedBy: 'signed by', snapshots: 'Snapshots', decision: 'Decision and approvals', noDecision: 'No decision yet.',
    outcome: 'Outcome', released: 'Goods released', reason: 'Reason', corrections: 'Corrections', approvals: 'Approvals', status: 'status',
    media: 'Media files (SHA-256)', noMedia: 'No media files.', keys: 'Signing keys', fingerprint: 'fingerprint (SHA-256 of the public key)',
    retired: 'retired', verify: 'How to verify',
    steps: [
      'Download the evidence package (ZIP) of this case from the case page, or have customs send it.',
      'Get the public keys from the customs office (GET /api/keys) and compare each key\'s fingerprint with the one printed above.',
      'Run: rvi evidence verify PACKAGE.zip --key KEYS.json  (exit code 0 and "verified" mean every file, signature and audit entry is intact).',
      'Compare the SHA-256 of any media file you hold with the list above: a different value means the file was changed.',
    ],
    enterpriseSteps: [
      'Get the customs office\'s public keys (GET /api/keys) and compare each key\'s fingerprint with the one printed above.',
      'Customs keep the signed evidence package of this case, this report included; ask the office for it to verify it with: rvi evidence verify PACKAGE.zip --key KEYS.json',
      'Compare the SHA-256 of the snapshots listed above with any copy you are given: a different value means the file was changed.',
    ],
    page: 'Page',
  },
  'zh-CN': {
    title: '查验案件报告', order: '查验指令', generated: '生成时间', state: '状态',
    declaration: '报关单', declarationNo: '报关单号', enterprise: '企业', date: '日期', hs6: 'HS 编码',
    origin: '原产国', netMass: '净重（千克）', grossMass: '毛重（千克）', value: '完税价格', packages: '件数',
    containers: '集装箱（封志）', version: '版本',
    selection: '布控原因', selKind: { risk: '风险布控', random: '随机抽查', manual: '科长指定', application: '企业申请' } as Record<string, string>,
    seed: '抽取种子', risk: '风险分值', channel: '通道',
    timeline: '时间线', by: '操作人', findings: '查验发现', noFindings: '没有记录查验发现。', declared: '申报', observed: '实际',
    signedBy: '签署人', snapshots: '截图', decision: '处理决定与审批', noDecision: '尚无处理决定。',
    outcome: '结论', released: '放行时间', reason: '理由', corrections: '更正', approvals: '审批', status: '状态',
    media: '媒体文件（SHA-256）', noMedia: '没有媒体文件。', keys: '签名密钥', fingerprint: '指纹（公钥的 SHA-256）',
    retired: '已停用', verify: '如何核验',
    steps: [
      '在案件页面下载本案的证据包（ZIP），或请海关提供。',
      '向海关获取公钥（GET /api/evidence/keys），并将每个密钥的指纹与上方打印的指纹核对。',
      '运行：rvi evidence verify PACKAGE.zip --key KEYS.json（退出码为 0 且显示 "verified" 表示所有文件、签名和审计记录均完好）。',
      '将您持有的任何媒体文件的 SHA-256 与上方列表比对：数值不同即表示文件已被改动。',
    ],
    enterpriseSteps: [
      '向海关获取公钥（GET /api/keys），并将每个密钥的指纹与上方打印的指纹核对。',
      '本案的签名证据包（含本报告）由海关保存；可向海关索取，并用以下命令核验：rvi evidence verify PACKAGE.zip --key KEYS.json',
      '将上方所列截图的 SHA-256 与您获得的任何副本比对：数值不同即表示文件已被改动。',
    ],
    page: '第',
  },
};

/** Codes in words (the web app's own labels are not the server's to import; these are the report's). */
const WORDS: Record<ReportLocale, Record<string, string>> = {
  en: {
    selected: 'Selected', assigned: 'Assigned', eligibility_decided: 'Mode decided', booked: 'Booked', rescheduled: 'To be rescheduled', missed: 'Missed',
    onsite_scheduled: 'On-site visit scheduled', in_progress: 'In progress', inspected: 'Inspected', decided: 'Decided', closed: 'Closed', cancelled: 'Cancelled',
    release: 'Release', release_with_correction: 'Release with correction', hold: 'Hold', onsite_reinspection: 'On-site re-inspection', refer_enforcement: 'Refer to enforcement',
    pending_approval: 'waiting for approval', rejected: 'rejected', effective: 'in effect', approved: 'approved',
    minor: 'minor', significant: 'significant', critical: 'critical', pass: 'pass', fail: 'fail', not_applicable: 'not applicable',
    origin: 'Origin', quantity: 'Quantity', description: 'Description', hs_classification: 'HS classification', undeclared_goods: 'Undeclared goods',
    prohibited_goods: 'Prohibited goods', seal_tampered: 'Seal tampered', weight: 'Weight', other: 'Other',
    netMassKg: 'Net mass (kg)', grossMassKg: 'Gross mass (kg)', countryOfOrigin: 'Country of origin', hs6: 'HS code', itemPrice: 'Item price',
    customsValue: 'Customs value', currency: 'Currency', packageCount: 'Packages', packageKind: 'Package kind', goodsDescription: 'Goods description', sealNumber: 'Seal number',
  },
  'zh-CN': {
    selected: '已选中', assigned: '已分派', eligibility_decided: '已定方式', booked: '已预约', rescheduled: '待改期', missed: '已错过',
    onsite_scheduled: '现场查验', in_progress: '查验中', inspected: '已查验', decided: '已决定', closed: '已关闭', cancelled: '已取消',
    release: '放行', release_with_correction: '更正后放行', hold: '扣留', onsite_reinspection: '现场复查', refer_enforcement: '移交缉私',
    pending_approval: '待审批', rejected: '已驳回', effective: '已生效', approved: '已批准',
    minor: '轻微', significant: '重大', critical: '严重', pass: '通过', fail: '不通过', not_applicable: '不适用',
    origin: '原产地', quantity: '数量', description: '品名描述', hs_classification: '商品归类', undeclared_goods: '未申报货物',
    prohibited_goods: '禁止进出境物品', seal_tampered: '封志被破坏', weight: '重量', other: '其他',
    netMassKg: '净重（千克）', grossMassKg: '毛重（千克）', countryOfOrigin: '原产国', hs6: 'HS 编码', itemPrice: '单价',
    customsValue: '完税价格', currency: '币种', packageCount: '件数', packageKind: '包装种类', goodsDescription: '品名', sealNumber: '封志号',
  },
};

const str = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : String(v));
const when = (v: unknown) => (typeof v === 'string' && v ? v.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC') : '—');

export interface ReportInput {
  story: CaseStory;
  media: CaseMediaFile[];
  keys: PublicKeyInfo[];
  locale: ReportLocale;
  generatedAt?: Date;
  /**
   * 'enterprise': the importer's own copy, without what is for customs only: no reason for selection, seed or risk
   * score, no names or reasons in the timeline, only the discrepancies the decision rests on, no notes, no media
   * but their snapshots. Default 'customs'.
   */
  edition?: 'customs' | 'enterprise';
}

/** Renders the case report; resolves with the PDF bytes. */
export function renderCaseReport({ story, media, keys, locale, generatedAt = new Date(), edition = 'customs' }: ReportInput): Promise<Buffer> {
  const forEnterprise = edition === 'enterprise';
  const L = TEXT[locale];
  const w = (code: unknown) => (typeof code === 'string' ? WORDS[locale][code] ?? code : str(code));
  const font = cjkFont();
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `${L.title} ${story.orderNo}`, Author: 'Customs RVI' }, bufferPages: true });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('body', font.path, font.face);
  doc.font('body');

  const h1 = (s: string) => doc.fontSize(18).fillColor('#000').text(s).moveDown(0.3);
  const h2 = (s: string) => { doc.moveDown(0.6).fontSize(13).fillColor('#1c3d6e').text(s).moveDown(0.2).fillColor('#000'); };
  const line = (label: string, value: unknown) => doc.fontSize(10).text(`${label}: ${str(value)}`);
  const small = (s: string) => doc.fontSize(9).fillColor('#444').text(s).fillColor('#000');

  const d = story.declaration as Record<string, unknown>;
  h1(`${L.title}`);
  doc.fontSize(11).text(`${L.order} ${story.orderNo} · ${L.state}: ${w(story.state)}`);
  small(`${L.generated}: ${when(generatedAt.toISOString())}`);

  h2(L.declaration);
  line(L.declarationNo, d.declarationNo);
  line(L.enterprise, `${str(d.enterpriseName)}${d.enterpriseCode ? ` (${d.enterpriseCode})` : ''}`);
  line(L.date, d.date);
  line(L.hs6, d.hs6);
  line(L.origin, d.countryOfOrigin);
  line(L.netMass, d.netMassKg);
  if (d.grossMassKg != null) line(L.grossMass, d.grossMassKg);
  if (d.packageCount != null) line(L.packages, `${d.packageCount}${d.packageKind ? ` × ${d.packageKind}` : ''}`);
  if (d.customsValue != null) line(L.value, `${d.customsValue} ${str(d.currency)}`);
  const containers = (d.containers as { number: string; seals?: string[] }[] | undefined) ?? [];
  if (containers.length) line(L.containers, containers.map((c) => `${c.number}${c.seals?.length ? ` (${c.seals.join(', ')})` : ''}`).join('; '));
  if (Number(d.version) > 1) line(L.version, d.version);

  if (!forEnterprise) {
    h2(L.selection);
    const sel = story.selection as Record<string, unknown> | null;
    line(L.selection, sel ? (L.selKind[String(sel.kind)] ?? sel.kind) : '—');
    if (sel?.seed) line(L.seed, sel.seed);
    if (story.risk) line(L.risk, `${Number((story.risk as { score: number }).score).toFixed(3)} (${L.channel} ${str((story.risk as { channel?: string }).channel)})`);
  }

  h2(L.timeline);
  for (const t of story.transitions as { at: string; fromState: string | null; toState: string; actorName: string | null; reason: string | null }[]) {
    if (forEnterprise) { doc.fontSize(9).text(`${when(t.at)}  ${t.fromState ? w(t.fromState) : '—'} → ${w(t.toState)}`); continue; }
    doc.fontSize(9).text(`${when(t.at)}  ${t.fromState ? w(t.fromState) : '—'} → ${w(t.toState)}${t.actorName ? `  (${L.by} ${t.actorName})` : ''}${t.reason ? ` — ${t.reason}` : ''}`);
  }

  h2(L.findings);
  const effective = story.decisions.find((x) => x.status === 'effective');
  const current = story.findings.filter((f) => f.current && (!forEnterprise || (f.kind === 'discrepancy' && !!effective?.findingIds.includes(f.id))));
  if (!current.length) small(L.noFindings);
  const snapshots = new Map(media.filter((m) => m.kind === 'snapshot').map((m) => [m.id, m]));
  for (const f of current) {
    const what = f.kind === 'step' ? `${str(f.stepKey)}: ${w(f.stepResult)}` : `${w(f.type)} (${w(f.severity)})${f.field ? ` — ${w(f.field)}: ${L.declared} ${str(f.declared)}, ${L.observed} ${str(f.observed)}` : ''}`;
    doc.fontSize(10).text(`• ${what}`);
    small(`   ${L.signedBy} ${f.signer.name} (${f.signer.role}), ${when(f.signature.signedAt)}${f.note && !forEnterprise ? ` — ${f.note}` : ''}`);
    const pics = f.evidence.snapshots.map((id) => snapshots.get(id)).filter((m): m is CaseMediaFile => !!m && /jpe?g|png/i.test(m.contentType ?? m.name));
    for (const m of pics.slice(0, 4)) {
      try {
        if (doc.y > 680) doc.addPage();
        const y = doc.y;
        doc.image(readFileSync(m.path), doc.page.margins.left + 12, y, { fit: [160, 120] });
        doc.y = y + 124;
        small(`   ${m.name}`);
      } catch {
        small(`   ${m.name} (${L.snapshots}: —)`);
      }
    }
  }

  h2(L.decision);
  if (!story.decisions.length) small(L.noDecision);
  for (const dec of forEnterprise ? story.decisions.filter((x) => x.status === 'effective') : story.decisions) {
    doc.fontSize(10).text(`${L.outcome}: ${w(dec.outcome)} · ${L.status}: ${w(dec.status)}`);
    if (dec.reason && !forEnterprise) line(L.reason, dec.reason);
    for (const c of dec.corrections) doc.fontSize(10).text(`   ${L.corrections}: ${w(c.field)}: ${str(c.declared)} → ${c.corrected}`);
    small(`   ${L.signedBy} ${dec.signer.name} (${dec.signer.role}), ${when(dec.signature.signedAt)}`);
    const r = dec.review;
    if (r) small(`   ${L.approvals}: ${w(r.verdict)} — ${r.signer.name} (${r.signer.role}), ${when(r.signature.signedAt)}${r.reason && !forEnterprise ? ` — ${r.reason}` : ''}`);
    if (dec.releasedAt) small(`   ${L.released}: ${when(dec.releasedAt)}`);
  }

  h2(L.media);
  const shownSnapshots = new Set(current.flatMap((f) => f.evidence.snapshots));
  const listed = forEnterprise ? story.media.filter((m) => shownSnapshots.has(m.id)) : story.media;
  if (!listed.length) small(L.noMedia);
  for (const m of listed) doc.fontSize(8).text(`${m.name}  ${m.size} B\n   ${m.sha256}`);

  h2(L.keys);
  for (const k of keys) {
    doc.fontSize(9).text(`${k.keyId} (${k.algorithm})${k.retiredAt ? ` — ${L.retired} ${when(k.retiredAt)}` : ''}`);
    small(`   ${L.fingerprint}: ${keyFingerprint(k.publicKey)}`);
  }

  h2(L.verify);
  (forEnterprise ? L.enterpriseSteps : L.steps).forEach((s, i) => doc.fontSize(10).text(`${i + 1}. ${s}`).moveDown(0.2));

  const range = doc.bufferedPageRange();
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    // the footer sits in the bottom margin: without a bottom margin pdfkit writes it there instead of opening a page
    doc.page.margins.bottom = 0;
    doc.fontSize(8).fillColor('#666').text(`${story.orderNo} · ${L.page} ${i + 1} / ${range.count}`, doc.page.margins.left, doc.page.height - 35, { lineBreak: false });
  }
  doc.end();
  return done;
}
