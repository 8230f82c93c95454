// Who may do what in a live session. The role actions come from platform/policy.ts (session.conduct,
// session.observe); the record rules here: only the inspector the session belongs to conducts (sends guidance,
// ends it); customs staff of the same office with session.observe (supervisor, a second inspector) watch; enterprise
// roles never view or hear the stream (404 for another organisation's session, 403 for their own); the booked
// on-site operator may ask for a fresh device link; the camera link is e-mailed / texted to the operator by the
// conductor or a supervisor of the session's office (`invite`).
import type { Actor } from '../../platform/actor.ts';
import { conflict, forbidden, notFound } from '../../platform/errors.ts';
import { can, canSee, isCustoms, type OrgScoped } from '../../platform/policy.ts';

export interface SessionRecord {
  id: string;
  officeId: string;
  enterpriseId: string;
  inspectorId: string;
  operatorUserId: string | null;
  state: string;
}

export type SessionAction = 'conduct' | 'observe' | 'view' | 'end' | 'issueLink' | 'invite';

export const sessionScope = (s: { officeId: string; enterpriseId: string }): OrgScoped => ({ orgId: s.enterpriseId, customsOfficeId: s.officeId });

const conducts = (a: Actor, s: SessionRecord) => a.kind === 'system' || (can(a, 'session.conduct', sessionScope(s)) && a.userId === s.inspectorId);
const observes = (a: Actor, s: SessionRecord) => a.kind === 'system' || (isCustoms(a) && can(a, 'session.observe', sessionScope(s)));
const supervises = (a: Actor, s: SessionRecord) => a.kind === 'user' && a.role === 'supervisor' && observes(a, s);

/** The `can` map sent with every session: the console shows its controls from it. */
export function sessionCan(actor: Actor, s: SessionRecord): { conduct: boolean; observe: boolean; end: boolean; issueLink: boolean; invite: boolean } {
  const open = s.state !== 'ended';
  const conduct = conducts(actor, s);
  return {
    conduct: conduct && open,
    observe: observes(actor, s) || conduct,
    end: conduct && open,
    issueLink: open && (conduct || (actor.kind === 'user' && !!s.operatorUserId && actor.userId === s.operatorUserId && actor.orgId === s.enterpriseId)),
    invite: open && !!s.operatorUserId && (conduct || supervises(actor, s)),
  };
}

/**
 * Throws 404 when the actor may not even see the session (another organisation or office), 403 when the action is
 * not theirs. `view` = see the session page, the stream and its media (conductor or observer).
 */
export function authorizeSession(actor: Actor, action: SessionAction, s: SessionRecord | null | undefined, id: string): asserts s is SessionRecord {
  if (!s) throw notFound('Session', id);
  if (actor.kind !== 'system' && !canSee(actor, sessionScope(s))) throw notFound('Session', id);
  const c = sessionCan(actor, s);
  const ok = action === 'conduct' ? c.conduct
    : action === 'observe' || action === 'view' ? c.observe
      : action === 'end' ? c.end
        : action === 'invite' ? c.invite
          : c.issueLink;
  if (ok) return;
  if (actor.kind === 'user' && !isCustoms(actor)) throw forbidden('Enterprise users cannot view or control a live inspection session');
  if ((action === 'conduct' || action === 'end' || action === 'issueLink' || action === 'invite') && s.state === 'ended' && (conducts(actor, s) || supervises(actor, s) || actor.userId === s.operatorUserId)) throw conflict('session_ended', 'The session has ended');
  if (action === 'invite') throw forbidden('Only the inspector conducting this session or a supervisor of its office may send the camera link');
  if (action === 'conduct' || action === 'end') throw forbidden('Only the inspector conducting this session may do this');
  throw forbidden(`Your role (${actor.role}) may not ${action} this session`);
}
