import { ROLES, type Role } from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { systemActor } from '../../platform/actor.ts';
import { createApiToken, listApiTokens, revokeApiToken, rotateApiToken } from './tokens.service.ts';

export const TOKEN_USAGE = `rvi token create --org ORG --scope ACTION [--scope ACTION]... [--name NAME] [--role ROLE] [--days N] [--rate N]
rvi token list [--org ORG] [--all]
rvi token rotate ID [--grace SECONDS]
rvi token revoke ID`;

function values(args: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) if (args[i] === name && args[i + 1] && !args[i + 1].startsWith('--')) out.push(...args[++i].split(','));
  return out;
}
const one = (args: string[], name: string) => values(args, name)[0];
const int = (v: string | undefined) => (v === undefined ? undefined : Number.parseInt(v, 10));

/** API tokens from the command line (acts as the system; audited). The secret is printed once, on stdout. Exit 2 on bad usage. */
export async function runTokenCli(args: string[], ctx: AppContext, out: (s: string) => void = console.log): Promise<number> {
  const [sub, ...rest] = args;
  const actor = systemActor('cli-token');
  if (sub === 'create') {
    const org = one(rest, '--org');
    const scopes = values(rest, '--scope');
    const role = one(rest, '--role');
    if (!org || !scopes.length) { console.error(`error: --org and at least one --scope are required\n\n${TOKEN_USAGE}`); return 2; }
    if (role && !(ROLES as readonly string[]).includes(role)) { console.error(`error: --role must be one of ${ROLES.join(', ')}`); return 2; }
    const r = await createApiToken(ctx.db, actor, {
      orgId: org, name: one(rest, '--name') ?? `cli token for ${org}`, scopes, role: role as Role | undefined,
      expiresInDays: int(one(rest, '--days')), rateLimitPerMinute: int(one(rest, '--rate')),
    });
    out(`token ${r.token.id} for ${r.token.orgCode} (${r.token.role}: ${r.token.scopes.join(' ')}), expires ${r.token.expiresAt}`);
    out(r.secret);
    return 0;
  }
  if (sub === 'list') {
    const r = await listApiTokens(ctx.db, actor, { orgId: one(rest, '--org'), includeRevoked: rest.includes('--all') });
    for (const x of r.items) out(`${x.id}  ${x.orgCode}  ${x.status}  ${x.name}  ${x.scopes.join(',')}  last used ${x.lastUsedAt ?? 'never'}`);
    return 0;
  }
  if (sub === 'rotate' && rest[0]) {
    const r = await rotateApiToken(ctx.db, actor, rest[0], { graceSeconds: int(one(rest, '--grace')) });
    out(`token ${r.token.id} replaces ${rest[0]}, expires ${r.token.expiresAt}`);
    out(r.secret);
    return 0;
  }
  if (sub === 'revoke' && rest[0]) {
    const r = await revokeApiToken(ctx.db, actor, rest[0]);
    out(`token ${r.id} ${r.status}`);
    return 0;
  }
  console.error(`error: ${TOKEN_USAGE}`);
  return 2;
}
