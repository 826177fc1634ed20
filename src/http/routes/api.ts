/**
 * REST API `/api/v1` (CONTRACT.md §4–5): sign-in, and the conversations an agent may see.
 * Every route but login needs `Authorization: Bearer <token>`.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { authenticate, changeOwnPassword, login, logout } from '../../agents/auth';
import { canSee, councilsOf, loadVisible, servedCouncils, servesCouncil, type AgentPrincipal } from '../../conversations/agent-actions';
import { conversationView, messagePayload } from '../../conversations/view';
import { AuthError, ConflictError, NotFoundError } from '../../errors';
import { SignInLimits } from '../../agents/sign-in-limits';
import { SecondFactor } from '../../agents/second-factor';
import { clientAddressResolver } from '../client-address';
import { changeCaseStatus } from '../../cases/notify';
import { CASE_STATUSES } from '../../domain/cases';
import { agentQueue, queueNamesOf, supervisorOverview } from '../../conversations/queue-view';
import { Agent, Contact, Conversation, Identity, InboundEvent, Media, Message, type AgentDoc, type ConversationDoc, type MessageDoc } from '../../models';
import type { Services } from '../../services';
import { parseInput } from '../../validation';
import { validateBody } from '../validate';
import { openApiDocument } from '../openapi';
import { assertMayTextResidents, loadContactOfTheirCouncil, loadVisibleCase } from '../../agents/access';
import { AuditEntry, audit, auditTrail } from '../../privacy/audit';
import { erasePerson } from '../../privacy/erase';
import { exportPerson } from '../../privacy/export';
import { agentCreateSchema, agentPatchSchema, passwordChangeSchema, cannedSchema, contactPatchSchema, followerSchema, permitCancelSchema, workspaceRoutes } from './workspace';
import { listCanned } from '../../conversations/canned';
import { personView } from '../../conversations/workspace-view';
import { analyticsQueryFor, analyticsRoutes } from './analytics';
import { webhookRoutes } from './webhooks';
import { campaignRoutes } from './campaigns';
import { councilRoutes } from './councils';
import { campaignSchema } from '../../campaigns/campaigns';
import { consentSchema } from '../../campaigns/consent';
import { actingCouncil, type Authed } from './guards';
import { webhookEndpointSchema } from '../../webhooks/endpoints';
import type { ChannelInfo } from '../../domain/workspace';

const loginSchema = z.object({ email: z.string().trim().min(3).max(200), password: z.string().min(1).max(200), code: z.string().trim().max(12).optional() });
const secondFactorCodeSchema = z.object({ code: z.string().trim().min(1).max(12) });
/** What an agent with a temporary password may still do. */
const PASSWORD_CHANGE_ROUTES = new Set(['/me', '/me/password', '/auth/logout']);
const listQuery = z.object({
  status: z.enum(['bot', 'queued', 'assigned', 'resolved']).optional(),
  channel: z.string().max(20).optional(),
  address: z.string().max(200).optional(),
});

const auditQuery = z.object({ contactId: z.string().min(1).max(100) });

const caseStatusSchema = z.object({
  status: z.enum(CASE_STATUSES),
  /** Texted to the resident with the status (supervisors and admins). */
  note: z.string().trim().min(1).max(300).optional(),
  /** For staff only, never sent (what the crew found): any agent who may see the report. */
  internalNote: z.string().trim().min(1).max(500).optional(),
});

const agentProfileSchema = z.object({
  phone: z.union([z.literal(''), z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +61412345678')]).optional(),
  clientIdentity: z.union([z.literal(''), z.string().regex(/^[A-Za-z0-9_.-]{1,120}$/, 'may use letters, digits, dots, dashes and underscores')]).optional(),
});


export function apiRoutes(services: Services): Router {
  const router = Router();
  const signInLimits = new SignInLimits(services.redis, services.config);
  const secondFactor = new SecondFactor({ appSecret: services.config.APP_SECRET, redis: services.redis, keyPrefix: services.config.QUEUE_PREFIX, issuer: services.councils.default.council.name });
  const clientAddress = clientAddressResolver(services.config.TRUST_PROXY);

  const document = openApiDocument({ login: loginSchema, agentProfile: agentProfileSchema, caseStatus: caseStatusSchema, webhook: webhookEndpointSchema, analyticsQuery: analyticsQueryFor(services.channels.ids()), consent: consentSchema, campaign: campaignSchema, contactPatch: contactPatchSchema, permitCancel: permitCancelSchema, follower: followerSchema, agentCreate: agentCreateSchema, agentPatch: agentPatchSchema, canned: cannedSchema, passwordChange: passwordChangeSchema });
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });

  router.post('/auth/login', validateBody(loginSchema), async (req, res) => {
    const { email: typed, password, code } = req.body as z.infer<typeof loginSchema>;
    const email = typed.toLowerCase();
    const address = clientAddress(req);
    await signInLimits.attempt(email, address);
    let session: Awaited<ReturnType<typeof login>>;
    try {
      session = await login(email, password, services.config.AGENT_SESSION_HOURS, (agent) => secondFactor.verifyAtSignIn(agent, code));
    } catch (error) {
      // Asking for the code is not a failure (the password matched); a wrong code is, and stays counted.
      if (error instanceof AuthError && error.code === 'second_factor_required') await signInLimits.passwordAccepted(email, address);
      else if (!(error instanceof AuthError)) await signInLimits.passwordAccepted(email, address); // our fault (e.g. the database), not a guess
      throw error;
    }
    await signInLimits.succeeded(email, address);
    res.json({ token: session.token, expiresAt: session.expiresAt.toISOString(), agent: { id: session.agent._id, name: session.agent.name, role: session.agent.role } });
  });

  const requireAgent = async (req: Authed, _res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : undefined;
    const session = await authenticate(token);
    req.agent = session.agent;
    req.sessionId = session.sessionId;
    // With a password an admin chose, nothing but choosing one's own (or signing out) until it is done.
    if (session.agent.mustChangePassword && !PASSWORD_CHANGE_ROUTES.has(req.path)) {
      return next(new AuthError('Choose your own password first.', 'password_change_required', 403));
    }
    next();
  };
  const requireSupervisor = (req: Authed, _res: Response, next: NextFunction) => {
    if (req.agent?.role === 'agent') return next(new AuthError('Only supervisors and admins can see this.', 'forbidden', 403));
    next();
  };

  const requireAdmin = (req: Authed, _res: Response, next: NextFunction) => {
    if (req.agent?.role !== 'admin') return next(new AuthError('Only admins can do this.', 'forbidden', 403));
    next();
  };

  const guards = { requireAgent, requireSupervisor, requireAdmin };
  router.use(analyticsRoutes(services, guards));
  router.use(webhookRoutes(services, guards));
  router.use(campaignRoutes(services, guards));
  router.use(councilRoutes(services, guards));

  router.post('/auth/logout', requireAgent, async (req: Authed, res) => {
    await logout((req.get('authorization') ?? '').slice(7));
    // The console's sockets for this sign-in close now, not at the token's expiry.
    services.broadcaster.endSession(req.sessionId!);
    res.status(204).end();
  });

  // An optional second factor for admins and supervisors: begin (a secret to scan), confirm
  // with a first code, or turn off with a current code.
  router.post('/me/second-factor', requireAgent, async (req: Authed, res) => {
    const agent = await Agent.findById(req.agent!._id).lean<AgentDoc>();
    if (SecondFactor.required(agent!)) throw new ConflictError('second_factor_enabled', 'A second factor is already on. Turn it off first to set up a new one.');
    res.status(201).json(await secondFactor.begin(agent!));
  });
  router.post('/me/second-factor/confirm', requireAgent, validateBody(secondFactorCodeSchema), async (req: Authed, res) => {
    await secondFactor.confirm(req.agent!._id, (req.body as z.infer<typeof secondFactorCodeSchema>).code);
    await audit(req.agent!, 'agent.second_factor.on', null, req.agent!._id);
    res.status(204).end();
  });
  router.delete('/me/second-factor', requireAgent, validateBody(secondFactorCodeSchema), async (req: Authed, res) => {
    const agent = await Agent.findById(req.agent!._id).lean<AgentDoc>();
    await secondFactor.disable(agent!, (req.body as z.infer<typeof secondFactorCodeSchema>).code);
    await audit(req.agent!, 'agent.second_factor.off', null, req.agent!._id);
    res.status(204).end();
  });

  router.post('/me/password', requireAgent, validateBody(passwordChangeSchema), async (req: Authed, res) => {
    const { currentPassword, newPassword } = req.body as z.infer<typeof passwordChangeSchema>;
    // Counted like sign-ins: a stolen session cannot guess the password behind it.
    const agent = (await Agent.findById(req.agent!._id, { email: 1, passwordHash: 1 }).lean<AgentDoc>())!;
    const address = clientAddress(req);
    await signInLimits.attempt(agent.email, address);
    await changeOwnPassword(agent, req.sessionId!, currentPassword, newPassword);
    await signInLimits.succeeded(agent.email, address);
    await audit(req.agent!, 'agent.password_changed', null, req.agent!._id);
    res.status(204).end();
  });

  router.get('/me', requireAgent, async (req: Authed, res) => {
    const agent = await Agent.findById(req.agent!._id).lean();
    // The councils they serve, by name: pages offer a council picker when there is more than one.
    const councils = servedCouncils(services, req.agent!).map((id) => ({ id, name: services.councils.council(id).name }));
    res.json({ id: agent!._id, name: agent!.name, email: agent!.email, role: agent!.role, mustChangePassword: agent!.mustChangePassword === true, queues: agent!.queues, capacity: agent!.capacity ?? 3, phone: agent!.phone ?? null, clientIdentity: agent!.clientIdentity ?? null, councils });
  });

  router.get('/queue', requireAgent, async (req: Authed, res) => {
    res.json(await agentQueue(req.agent!));
  });

  router.get('/canned-responses', requireAgent, async (req: Authed, res) => {
    res.json({ cannedResponses: await listCanned(services, actingCouncil(services, req.agent!, req.query.councilId)) });
  });

  router.get('/queues', requireAgent, (req: Authed, res) => {
    const councils = servedCouncils(services, req.agent!);
    res.json({ queues: queueNamesOf(services, councils), byCouncil: Object.fromEntries(councils.map((id) => [id, services.councils.council(id).queues])) });
  });

  // The console names channels in the channels' own words, and shows what each can do.
  const channels: ChannelInfo[] = services.channels.all().map((a) => ({ id: a.id, label: a.labels.name, shortLabel: a.labels.short, capabilities: a.capabilities }));
  router.get('/channels', requireAgent, (_req, res) => {
    res.json({ channels });
  });

  router.get('/cases/:reference', requireAgent, async (req: Authed, res) => {
    const owner = await loadVisibleCase(req.agent!, String(req.params.reference).toUpperCase());
    const found = await services.councils.tenant(owner.councilId).cases.find(owner.reference);
    if (!found) throw new NotFoundError(`Case ${owner.reference}`);
    await audit(req.agent!, 'case.read', owner.contactId, owner.reference);
    res.json(found);
  });

  router.post('/cases/:reference/status', requireAgent, validateBody(caseStatusSchema), async (req: Authed, res) => {
    const { status, note, internalNote } = req.body as z.infer<typeof caseStatusSchema>;
    const owner = await loadVisibleCase(req.agent!, String(req.params.reference).toUpperCase());
    // The note is texted to the resident and followers: only roles allowed to speak for the council.
    if (note) assertMayTextResidents(req.agent!);
    const changed = await changeCaseStatus(services, owner.reference, status, { note, internalNote, by: req.agent!.name });
    await audit(req.agent!, 'case.status', owner.contactId, owner.reference, [status, note ? `note sent to the resident: ${note}` : '', internalNote ? `internal note: ${internalNote}` : ''].filter(Boolean).join('; '));
    res.json(changed);
  });

  router.get('/supervisor/overview', requireAgent, requireSupervisor, async (req: Authed, res) => {
    res.json(await supervisorOverview(services, req.agent!));
  });

  // Where this agent takes accepted phone calls: their own number or a Twilio Client identity.
  router.patch('/agents/me', requireAgent, validateBody(agentProfileSchema), async (req: Authed, res) => {
    const { phone, clientIdentity } = req.body as z.infer<typeof agentProfileSchema>;
    const update = {
      ...(phone !== undefined ? { phone: phone || null } : {}),
      ...(clientIdentity !== undefined ? { clientIdentity: clientIdentity || null } : {}),
    };
    const agent = await Agent.findByIdAndUpdate(req.agent!._id, { $set: update }, { new: true }).lean();
    res.json({ id: agent!._id, name: agent!.name, role: agent!.role, queues: agent!.queues, phone: agent!.phone ?? null, clientIdentity: agent!.clientIdentity ?? null });
  });

  router.get('/conversations', requireAgent, async (req: Authed, res) => {
    const query = parseInput(listQuery, req.query);
    const filter: Record<string, unknown> = { councilId: { $in: councilsOf(req.agent!) } };
    if (query.status) filter.status = query.status;
    if (query.channel) filter.channel = query.channel;
    if (query.address) {
      const identities = await Identity.find({ channelUserId: query.address }).limit(50).lean();
      filter.identityId = { $in: identities.map((i) => i._id) };
    }
    const found = await Conversation.find(filter).sort({ updatedAt: -1 }).limit(200).lean<ConversationDoc[]>();
    res.json({ conversations: found.filter((c) => canSee(req.agent!, c)).map(conversationView) });
  });

  router.get('/conversations/:id', requireAgent, async (req: Authed, res) => {
    const conversation = await loadVisible(req.agent!, String(req.params.id));
    await audit(req.agent!, 'conversation.read', conversation.contactId, conversation._id);
    res.json(conversationView(conversation));
  });

  // A resident's photo, for agents: served as an image only (no sniffing, no scripts), never cached by proxies.
  router.get('/media/:id', requireAgent, async (req: Authed, res) => {
    const media = await Media.findById(String(req.params.id)).lean();
    if (!media?.data || !/^image\/(jpeg|png|webp|gif)$/.test(media.contentType ?? '')) throw new NotFoundError('That photo');
    // Only for agents who may see one of the sender's conversations (same 404 otherwise).
    const event = await InboundEvent.findById(media.inboundEventId, { identityId: 1 }).lean();
    const theirs = event ? await Conversation.find({ identityId: event.identityId }).limit(100).lean<ConversationDoc[]>() : [];
    if (!theirs.some((c) => canSee(req.agent!, c))) throw new NotFoundError('That photo');
    res.set({ 'content-type': media.contentType!, 'cache-control': 'private, no-store', 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'" });
    res.send(Buffer.from((media.data as unknown as { buffer: Uint8Array }).buffer ?? media.data));
  });

  router.get('/conversations/:id/messages', requireAgent, async (req: Authed, res) => {
    const conversation = await loadVisible(req.agent!, String(req.params.id));
    await audit(req.agent!, 'messages.read', conversation.contactId, conversation._id);
    const messages = await Message.find({ conversationId: conversation._id }).sort({ seq: 1 }).limit(1000).lean<MessageDoc[]>();
    res.json({ messages: messages.map((m) => ({ ...messagePayload(m), deliveryStatus: m.deliveryStatus, ...(m.deliveryError ? { deliveryError: m.deliveryError } : {}) })) });
  });

  router.get('/contacts/:id', requireAgent, async (req: Authed, res) => {
    const contact = await Contact.findById(String(req.params.id)).lean();
    const conversations = contact ? await Conversation.find({ contactId: contact._id }).sort({ createdAt: -1 }).limit(100).lean<ConversationDoc[]>() : [];
    const visible = conversations.filter((c) => canSee(req.agent!, c));
    if (!contact || visible.length === 0) {
      res.status(404).json({ error: { code: 'not_found', message: 'That contact was not found.' } });
      return;
    }
    const person = (await personView(services, req.agent!, contact._id))!;
    await audit(req.agent!, 'contact.read', contact._id);
    // The contract's shape (identities, conversations), plus consent, languages, reports and permits.
    res.json({
      ...person,
      conversations: visible.map((c) => ({ ...conversationView(c), ...(c.lastResidentText ? { preview: c.lastResidentText } : {}) })),
    });
  });

  // Privacy operations (CONTRACT.md §12): export, erasure and the audit trail, admins only.
  router.get('/contacts/:id/export', requireAgent, requireAdmin, async (req: Authed, res) => {
    const contactId = String(req.params.id);
    await loadContactOfTheirCouncil(req.agent!, contactId);
    const exported = await exportPerson(contactId);
    if (!exported) throw new NotFoundError('That contact');
    await audit(req.agent!, 'contact.export', contactId);
    res.set('Content-Disposition', `attachment; filename="${contactId}.json"`).json(exported);
  });

  router.delete('/contacts/:id', requireAgent, requireAdmin, async (req: Authed, res) => {
    const contactId = String(req.params.id);
    const contact = await loadContactOfTheirCouncil(req.agent!, contactId);
    const erased = await erasePerson(services, contactId);
    if (!erased) throw new NotFoundError('That contact');
    // The council stays on record, so its admins (and only they) can still read the trail.
    await audit(req.agent!, 'contact.erase', contactId, `council:${contact.councilId}`, JSON.stringify(erased));
    res.json({ erased });
  });

  router.get('/audit', requireAgent, requireAdmin, async (req: Authed, res) => {
    const { contactId } = parseInput(auditQuery, req.query);
    const erasure = await AuditEntry.findOne({ contactId, action: 'contact.erase' }, { target: 1 }).lean();
    if (erasure) {
      if (!servesCouncil(req.agent!, erasure.target?.replace(/^council:/, ''))) throw new NotFoundError('That contact');
    } else await loadContactOfTheirCouncil(req.agent!, contactId);
    res.json({ contactId, entries: await auditTrail(contactId) });
  });

  // Last, so the fixed paths above (e.g. PATCH /agents/me) win over /agents/{id}.
  router.use(workspaceRoutes(services, { requireAgent, requireSupervisor, requireAdmin }));

  return router;
}
