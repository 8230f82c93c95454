// The server's signing keys: published with their validity periods (GET /api/keys, public, so anyone can verify a
// signed record or an evidence package), rotated by an administrator with the old keys kept.
import type { KeyRing } from '@rvi/evidence';
import type { KeyList } from '@rvi/contracts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { requireRole } from '../../platform/policy.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { transaction } from '../../platform/unit-of-work.ts';

export async function listKeys(keys: KeyRing): Promise<KeyList> {
  const active = await keys.activeKey();
  return { activeKeyId: active.keyId, keys: await keys.listPublicKeys() };
}

/** Administrator: a new active key; the previous one is retired at the same instant and stays published. Audited. */
export async function rotateKey(deps: { db: Db; keys: KeyRing }, actor: Actor): Promise<KeyList> {
  requireRole(actor, 'admin.manage');
  const previous = (await deps.keys.activeKey()).keyId;
  const created = await deps.keys.rotate();
  await transaction(deps.db, async (tx) => {
    await recordAudit(tx, actor, 'keys.rotated', { type: 'signing_key', id: created.keyId }, {
      previousKeyId: previous, keyId: created.keyId, publicKey: created.publicKey, createdAt: created.createdAt,
    });
  });
  return listKeys(deps.keys);
}
