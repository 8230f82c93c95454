import type { OrgKind, Role } from '@rvi/contracts';

/** Who is acting: passed explicitly to every service method, so HTTP handlers, jobs and the CLI share one code path. */
export interface Actor {
  kind: 'user' | 'system';
  userId: string | null;
  username: string;
  role: Role | 'system';
  orgId: string | null;
  orgKind: OrgKind | null;
  /** The customs office whose records this actor works on: its own org for customs staff, the supervising office for an enterprise. */
  officeId: string | null;
  requestId: string | null;
  /**
   * Set when the caller is an API token (issue 19): `kind` is then 'user' (the organisation, role and office
   * isolation of a user of that organisation apply unchanged) but `userId` is null, and every action must also be
   * one of `scopes`. `consulted` is set when the policy layer authorised an action for this request.
   */
  token?: { id: string; name: string; scopes: readonly string[]; consulted?: boolean };
  /**
   * A signed-in user's second factor in this login session (issue 19): `required` when the user has one or their role
   * must have one; `verifiedAt` is when it was last proved (step-up before the most sensitive actions).
   */
  factor?: { sessionId: string; state: 'ok' | 'pending' | 'enrol'; required: boolean; verifiedAt: number | null };
}

export function systemActor(reason: string, requestId: string | null = null): Actor {
  return { kind: 'system', userId: null, username: `system:${reason}`, role: 'system', orgId: null, orgKind: null, officeId: null, requestId };
}
