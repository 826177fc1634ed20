/**
 * The agent workspace's REST routes (under `/api/v1`, bearer token): search (CONTRACT.md §12),
 * the person (name editable), back-office actions on reports (status, followers) and permits, agents'
 * administration (CONTRACT.md §9) and the supervisor wallboard. Every route asks the same
 * access rules as the rest of the API (`canSee`, `loadVisibleCase`): what an agent may not
 * see answers 404; every change is on the audit log with who made it.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';
import { createAgent, resetPassword } from '../../agents/auth';
import { loadVisibleCase } from '../../agents/access';
import { canSee, councilsOf, type AgentPrincipal } from '../../conversations/agent-actions';
import { ensureOpenConversation, type IdentityDoc } from '../../conversations/identity';
import { sendReply } from '../../conversations/outbox';
import { agentStates, queueNamesOf } from '../../conversations/queue-view';
import { conversationView } from '../../conversations/view';
import { caseSummary, personView, permitSummary, whoLabel, type PermitLean } from '../../conversations/workspace-view';
import { addFollowerByPhone, followersOfCases, removeFollower } from '../../cases/followers';
import { wallboard } from '../../conversations/wallboard';
import { removeCanned, saveCanned } from '../../conversations/canned';
import { phoneCountryOf } from '../../councils/settings';
import { AGENT_ROLES, type AgentAdminView, type SearchResult } from '../../domain/workspace';
import { AuthError, ConflictError, NotFoundError } from '../../errors';
import { Agent, AgentSession, Case, Contact, Conversation, Identity, Message, Permit, PermitNight, type CaseDoc, type ConversationDoc } from '../../models';
import { audit } from '../../privacy/audit';
import type { Services } from '../../services';
import { parseInput } from '../../validation';
import { validateBody } from '../validate';
import { actingCouncil } from './guards';

type Authed = Request & { agent?: AgentPrincipal };
type Guard = (req: Authed, res: Response, next: NextFunction) => unknown;

export const searchQuery = z.object({ q: z.string().trim().min(2).max(100) });
export const contactPatchSchema = z.object({ name: z.string().trim().max(120) });
export const followerSchema = z.object({ phone: z.string().trim().min(6).max(30) });
export const permitCancelSchema = z.object({ note: z.string().trim().min(1).max(300).optional() });
const queueName = z.string().trim().min(1).max(50).regex(/^[a-z0-9-]+$/, 'queue names use lower-case letters, digits and dashes');
export const agentCreateSchema = z.object({
  email: z.string().trim().toLowerCase().email().max(200),
  name: z.string().trim().min(1).max(80),
  password: z.string().min(10, 'use at least 10 characters').max(200),
  role: z.enum(AGENT_ROLES),
  councils: z.array(z.string().min(1).max(100)).max(20).optional(),
  queues: z.array(queueName).max(20).optional(),
  capacity: z.number().int().min(1).max(50).optional(),
  /** The password is a temporary one the admin will pass on: the agent chooses their own at first sign-in (the console sets this). */
  temporary: z.boolean().optional(),
});
export const cannedSchema = z.object({ title: z.string().trim().min(1).max(60), text: z.string().trim().min(1).max(1000) });
export const agentPatchSchema = z.object({
  name: z.string().trim().min(1).max(80).optional(),
  role: z.enum(AGENT_ROLES).optional(),
  councils: z.array(z.string().min(1).max(100)).min(1).max(20).optional(),
  queues: z.array(queueName).max(20).optional(),
  capacity: z.number().int().min(1).max(50).optional(),
  active: z.boolean().optional(),
  /** A temporary password (a reset): the agent's sign-ins end and they choose their own at the next. */
  password: z.string().min(10, 'use at least 10 characters').max(200).optional(),
});
export const passwordChangeSchema = z.object({
  currentPassword: z.string().min(1).max(200),
  newPassword: z.string().min(10, 'use at least 10 characters').max(200),
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function adminView(a: { _id: string; email: string; name: string; role: string; councils?: string[] | null; queues?: string[] | null; capacity?: number | null; active?: boolean | null }, state?: { presence: string; load: number }): AgentAdminView {
  return { id: a._id, email: a.email, name: a.name, role: a.role as AgentAdminView['role'], councils: councilsOf(a), queues: a.queues ?? [], capacity: a.capacity ?? 3, active: a.active !== false, ...(state ? { presence: state.presence, load: state.load } : {}) };
}

export function workspaceRoutes(services: Services, guards: { requireAgent: Guard; requireSupervisor: Guard; requireAdmin: Guard }): Router {
  const router = Router();
  const { requireAgent, requireSupervisor, requireAdmin } = guards;

  /** Search by phone number, name, reference (RC-/CP-) and message text; only what the caller may see. */
  router.get('/search', requireAgent, async (req: Authed, res) => {
    const agent = req.agent!;
    const { q } = parseInput(searchQuery, req.query);
    // Only the councils the agent serves are searched at all (and `canSee` still decides each result).
    const councilId = { $in: councilsOf(agent) };
    const matchedContacts = new Map<string, string>();
    const matchedConversations = new Map<string, string>();
    const reference = /^[A-Z]{2}-[A-Z0-9]{3,}$/i.test(q) ? q.toUpperCase() : undefined;
    if (reference) {
      const found = reference.startsWith('CP-') ? await Permit.findById(reference, { contactId: 1 }).lean() : await Case.findById(reference, { contactId: 1 }).lean();
      if (found) matchedContacts.set(found.contactId, `Reference ${reference}`);
    }
    // A local number is read as the country of each council the agent serves (one e164 a country).
    const looksLikeNumber = /\d{6,}/.test(q.replace(/[\s()-]/g, ''));
    const countries = [...new Set(councilsOf(agent).filter((id) => services.councils.has(id)).map((id) => phoneCountryOf(services.councils.council(id))))];
    const numbers = looksLikeNumber
      ? [...new Set(countries.flatMap((country) => {
          const phone = parsePhoneNumberFromString(q, country);
          return phone?.isValid() ? [phone.number] : [];
        }))]
      : [];
    for (const e164 of numbers) {
      for (const identity of await Identity.find({ channelUserId: { $in: [e164, `whatsapp:${e164}`] } }).limit(20).lean()) matchedContacts.set(identity.contactId, `Phone ${e164}`);
      for (const contact of await Contact.find({ councilId, phone: e164 }).limit(20).lean()) matchedContacts.set(contact._id, `Phone ${e164}`);
    }
    if (!reference) {
      const pattern = { $regex: escape(q), $options: 'i' };
      for (const contact of await Contact.find({ councilId, name: pattern }, { name: 1 }).limit(20).lean()) matchedContacts.set(contact._id, `Name ${contact.name}`);
      const messages = await Message.find({ councilId, text: pattern }, { conversationId: 1, text: 1 }).sort({ createdAt: -1 }).limit(50).lean();
      for (const m of messages) if (!matchedConversations.has(m.conversationId)) matchedConversations.set(m.conversationId, m.text ?? '');
    }
    const [byContact, byText] = await Promise.all([
      Conversation.find({ contactId: { $in: [...matchedContacts.keys()] } }).sort({ updatedAt: -1 }).limit(200).lean<ConversationDoc[]>(),
      Conversation.find({ _id: { $in: [...matchedConversations.keys()] } }).limit(50).lean<ConversationDoc[]>(),
    ]);
    const visible = [...byContact, ...byText].filter((c, i, all) => canSee(agent, c) && all.findIndex((o) => o._id === c._id) === i);
    const contactIds = [...new Set(visible.map((c) => c.contactId))];
    const [contacts, identities] = await Promise.all([
      Contact.find({ _id: { $in: contactIds } }).lean(),
      Identity.find({ contactId: { $in: contactIds } }).limit(500).lean(),
    ]);
    const contactName = new Map(contacts.map((c) => [c._id, c.name ?? null]));
    const identityOf = new Map(identities.map((i) => [i._id, i]));
    const result: SearchResult = {
      conversations: visible
        .sort((a, b) => new Date(b.updatedAt).getTime() - new Date(a.updatedAt).getTime())
        .slice(0, 50)
        .map((c) => ({
          id: c._id,
          channel: c.channel as SearchResult['conversations'][number]['channel'],
          status: c.status as SearchResult['conversations'][number]['status'],
          who: whoLabel(services.channels, contactName.get(c.contactId), identityOf.get(c.identityId), c.channel),
          need: c.handoffReason ?? c.lastResidentText ?? '',
          updatedAt: new Date(c.updatedAt).toISOString(),
          matched: matchedConversations.get(c._id) ?? matchedContacts.get(c.contactId) ?? '',
        })),
      contacts: contactIds.filter((id) => matchedContacts.has(id)).map((id) => ({
        id,
        name: contactName.get(id) ?? null,
        // A session address (a webchat's) reaches nobody: only addresses a person can use are listed.
        addresses: identities.filter((i) => i.contactId === id && !(services.channels.has(i.channel) && services.channels.get(i.channel).capabilities.sessionAddress)).map((i) => i.channelUserId),
        matched: matchedContacts.get(id)!,
        ...(visible.find((c) => c.contactId === id) ? { latestConversationId: visible.find((c) => c.contactId === id)!._id } : {}),
      })),
    };
    for (const id of contactIds) await audit(agent, 'search.result', id, undefined, `search: ${matchedContacts.get(id) ?? 'message text'}`);
    res.json(result);
  });

  /** The person's name, as agents write it (residents are not told). */
  router.patch('/contacts/:id', requireAgent, validateBody(contactPatchSchema), async (req: Authed, res) => {
    const id = String(req.params.id);
    const view = await personView(services, req.agent!, id);
    if (!view) throw new NotFoundError('That contact');
    const { name } = req.body as z.infer<typeof contactPatchSchema>;
    await Contact.updateOne({ _id: id }, name ? { $set: { name } } : { $unset: { name: 1 } });
    await audit(req.agent!, 'contact.rename', id, undefined, name ? 'name changed' : 'name removed');
    res.json({ ...view, name: name || null });
  });

  /** An agent cancels a resident's permit: the places are freed and the resident is told on their channel. */
  router.post('/permits/:reference/cancel', requireAgent, validateBody(permitCancelSchema), async (req: Authed, res) => {
    const reference = String(req.params.reference).toUpperCase();
    if (!reference.startsWith('CP-')) throw new NotFoundError(`Permit ${reference}`);
    const owner = await loadVisibleCase(req.agent!, reference);
    const permit = await Permit.findById(reference).lean();
    if (!permit) throw new NotFoundError(`Permit ${reference}`);
    if (permit.status === 'cancelled') throw new ConflictError('unchanged', `Permit ${reference} is already cancelled.`);
    const { note } = req.body as z.infer<typeof permitCancelSchema>;
    const entry = { status: 'cancelled', at: new Date(), by: req.agent!.name, ...(note ? { note } : {}) };
    await Permit.updateOne({ _id: reference }, { $set: { status: 'cancelled' }, $push: { history: entry } });
    await PermitNight.deleteMany({ permitId: reference });
    await audit(req.agent!, 'permit.cancel', owner.contactId, reference, note);
    const identity = await Identity.findById(permit.identityId).lean<IdentityDoc>();
    if (identity && services.channels.get(identity.channel).capabilities.delivery !== 'response') {
      const council = services.councils.council(permit.councilId);
      const conversation = await ensureOpenConversation(council.id, identity, `permit-${reference}-cancelled`);
      await sendReply(services, conversation, { kind: 'system' }, { text: `${council.name}: your camping permit ${reference} has been cancelled.${note ? ` ${note.replace(/[.!?]\s*$/, '')}.` : ''}` });
    }
    res.json(permitSummary(services, (await Permit.findById(reference).lean<PermitLean>())!));
  });

  /** A report's followers: someone who asked for updates is added by mobile number and texted once; any agent who may see the report. */
  const reportSummary = async (reference: string) => {
    const report = (await Case.findById(reference).lean<CaseDoc>())!;
    return caseSummary(report, (await followersOfCases(services.channels, [report])).get(reference));
  };
  router.post('/cases/:reference/followers', requireAgent, validateBody(followerSchema), async (req: Authed, res) => {
    const reference = String(req.params.reference).toUpperCase();
    if (!reference.startsWith('RC-')) throw new NotFoundError(`Report ${reference}`);
    const owner = await loadVisibleCase(req.agent!, reference);
    const identityId = await addFollowerByPhone(services, owner.reference, (req.body as z.infer<typeof followerSchema>).phone);
    await audit(req.agent!, 'case.follower.add', owner.contactId, owner.reference, `follower ${identityId}`);
    res.status(201).json(await reportSummary(owner.reference));
  });
  router.delete('/cases/:reference/followers/:identityId', requireAgent, async (req: Authed, res) => {
    const reference = String(req.params.reference).toUpperCase();
    if (!reference.startsWith('RC-')) throw new NotFoundError(`Report ${reference}`);
    const owner = await loadVisibleCase(req.agent!, reference);
    const identityId = String(req.params.identityId);
    await removeFollower(owner.reference, identityId);
    await audit(req.agent!, 'case.follower.remove', owner.contactId, owner.reference, `follower ${identityId}`);
    res.json(await reportSummary(owner.reference));
  });

  // Agents (CONTRACT.md §9): supervisors see the list (to reassign); admins create and change.
  // Agents of councils the viewer does not serve are not theirs to see or change (404).
  router.get('/agents', requireAgent, requireSupervisor, async (req: Authed, res) => {
    const theirs = councilsOf(req.agent!);
    const [agents, states] = await Promise.all([Agent.find({}).sort({ name: 1 }).limit(500).lean(), agentStates(services, theirs)]);
    const stateOf = new Map(states.map((s) => [s.id, s]));
    res.json({ agents: agents.filter((a) => councilsOf(a).some((c) => theirs.includes(c))).map((a) => adminView(a, stateOf.get(a._id))) });
  });

  /** Councils an admin gives an agent must be ones the admin serves (else 404). */
  const assertServes = (admin: AgentPrincipal, councils: string[]) => councils.forEach((c) => actingCouncil(services, admin, c));
  /** Queues an agent is given must be queues of the agent's councils (else 404). */
  const assertQueuesOf = (councils: string[], queues: string[]) => {
    const known = queueNamesOf(services, councils);
    const unknown = queues.filter((q) => !known.includes(q));
    if (unknown.length) throw new NotFoundError(`The queue "${unknown[0]}"`);
  };

  router.post('/agents', requireAgent, requireAdmin, validateBody(agentCreateSchema), async (req: Authed, res) => {
    const input = req.body as z.infer<typeof agentCreateSchema>;
    const councils = input.councils ?? councilsOf(req.agent!);
    assertServes(req.agent!, councils);
    assertQueuesOf(councils, input.queues ?? []);
    if (await Agent.exists({ email: input.email })) throw new ConflictError('already_exists', 'An agent with that email already exists.');
    const created = await createAgent({ email: input.email, name: input.name, password: input.password, role: input.role, queues: input.queues ?? ['general'], councils, temporary: input.temporary === true });
    if (input.capacity) await Agent.updateOne({ _id: created._id }, { $set: { capacity: input.capacity } });
    await audit(req.agent!, 'agent.create', undefined, created._id, `${input.role} ${input.name}`);
    res.status(201).json({ ...adminView({ ...created, ...(input.capacity ? { capacity: input.capacity } : {}) }) });
  });

  router.patch('/agents/:id', requireAgent, requireAdmin, validateBody(agentPatchSchema), async (req: Authed, res) => {
    const id = String(req.params.id);
    const { password, ...patch } = req.body as z.infer<typeof agentPatchSchema>;
    const agent = await Agent.findById(id).lean();
    if (!agent || !councilsOf(agent).some((c) => councilsOf(req.agent!).includes(c))) throw new NotFoundError('That agent');
    if (id === req.agent!._id && (patch.active === false || (patch.role && patch.role !== 'admin'))) {
      throw new AuthError('You cannot deactivate yourself or give up your own admin role: ask another admin.', 'forbidden', 403);
    }
    assertServes(req.agent!, patch.councils ?? []);
    assertQueuesOf(patch.councils ?? councilsOf(agent), patch.queues ?? []);
    if (password && id === req.agent!._id) throw new AuthError('Change your own password from your profile, with your current one.', 'forbidden', 403);
    if (Object.keys(patch).length) await Agent.updateOne({ _id: id }, { $set: patch });
    if (password) await resetPassword(id, password);
    if (patch.active === false || password) {
      // A deactivated (or reset) agent's sign-ins end now, on every node.
      await AgentSession.deleteMany({ agentId: id });
      services.broadcaster.endAgent(id);
    }
    await audit(req.agent!, password ? 'agent.password_reset' : 'agent.update', undefined, id, Object.keys(patch).join(', '));
    res.json(adminView((await Agent.findById(id).lean())!));
  });

  // Canned responses: every agent reads them; admins add, replace and remove.
  router.post('/canned-responses', requireAgent, requireAdmin, validateBody(cannedSchema), async (req: Authed, res) => {
    const { title, text } = req.body as z.infer<typeof cannedSchema>;
    const saved = await saveCanned(services, actingCouncil(services, req.agent!, req.query.councilId), title, text);
    await audit(req.agent!, 'canned.save', undefined, saved.id);
    res.status(201).json(saved);
  });
  router.delete('/canned-responses/:id', requireAgent, requireAdmin, async (req: Authed, res) => {
    const id = String(req.params.id);
    if (!(await removeCanned(services, actingCouncil(services, req.agent!, req.query.councilId), id))) throw new NotFoundError('That canned response');
    await audit(req.agent!, 'canned.remove', undefined, id);
    res.status(204).end();
  });

  router.get('/supervisor/wallboard', requireAgent, requireSupervisor, async (req: Authed, res) => {
    res.json(await wallboard(services, req.agent!));
  });

  return router;
}

export { conversationView };
