import type { FastifyInstance } from 'fastify';
import {
  AdminDeviceList, AdminOrg, AdminOrgList, AdminUser, AdminUserList, AdminUserQuery, CreateOrgBody, CreateUserBody, ErrorBody, IdParams,
  UpdateOrgBody, UpdateUserBody,
  type AdminUserQuery as UserQ, type CreateOrgBody as CreateOrg, type CreateUserBody as CreateUser, type UpdateOrgBody as UpdateOrg, type UpdateUserBody as UpdateUser,
} from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { actorOf } from '../../platform/http.ts';
import { createOrg, createUser, listAllDevices, listOrgs, listUsers, updateOrg, updateUser } from './admin.service.ts';

const tags = ['administration'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const id = (req: { params: unknown }) => (req.params as IdParams).id;

/** Administrator: users, organisations, devices. Inspectors, rules, settings and retention have their modules' routes. */
export function adminRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/admin/users', {
    config: { access: { action: 'admin.manage' } },
    schema: { tags, summary: 'Users of every organisation (filter by organisation, role, status, name)', querystring: AdminUserQuery, response: { 200: AdminUserList, ...errors } },
  }, async (req) => listUsers(ctx.db, actorOf(req), req.query as UserQ));

  app.post('/api/admin/users', {
    config: { access: { action: 'admin.manage' } },
    schema: { tags, summary: 'Create a user with a role that fits the organisation (password stored as an argon2id hash)', body: CreateUserBody, response: { 201: AdminUser, ...errors } },
  }, async (req, reply) => reply.status(201).send(await createUser(ctx, actorOf(req), req.body as CreateUser)));

  app.patch('/api/admin/users/:id', {
    config: { access: { action: 'admin.manage' } },
    schema: { tags, summary: 'Change a user: name, role, organisation, language, password, active (ends their sessions when access changes)', params: IdParams, body: UpdateUserBody, response: { 200: AdminUser, ...errors } },
  }, async (req) => updateUser(ctx, actorOf(req), id(req), req.body as UpdateUser));

  app.get('/api/admin/organisations', {
    config: { access: { action: 'admin.manage' } },
    schema: { tags, summary: 'Customs offices and enterprises (credit rating, supervising office, active users)', response: { 200: AdminOrgList, ...errors } },
  }, async (req) => listOrgs(ctx.db, actorOf(req)));

  app.post('/api/admin/organisations', {
    config: { access: { action: 'admin.manage' } },
    schema: { tags, summary: 'Create a customs office or an enterprise (supervised by an office, with a credit rating)', body: CreateOrgBody, response: { 201: AdminOrg, ...errors } },
  }, async (req, reply) => reply.status(201).send(await createOrg(ctx.db, actorOf(req), req.body as CreateOrg)));

  app.patch('/api/admin/organisations/:id', {
    config: { access: { action: 'admin.manage' } },
    schema: { tags, summary: 'Rename an organisation; change an enterprise\'s credit rating or supervising office; an office\'s time zone', params: IdParams, body: UpdateOrgBody, response: { 200: AdminOrg, ...errors } },
  }, async (req) => updateOrg(ctx.db, actorOf(req), id(req), req.body as UpdateOrg));

  app.get('/api/admin/devices', {
    config: { access: { action: 'admin.manage' } },
    schema: { tags, summary: 'Camera devices registered by every enterprise, with their latest connection test', response: { 200: AdminDeviceList, ...errors } },
  }, async (req) => listAllDevices(ctx.db, actorOf(req)));
}
