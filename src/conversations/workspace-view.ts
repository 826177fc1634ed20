/**
 * What the agent workspace lists and shows: the four lists (Waiting, Mine, All open, Resolved)
 * with who, what they need, the live wait and unread counts; the person (identities, consent,
 * languages, past conversations, reports and permits); and the request in progress as a
 * readable summary. Access is `canSee` (conversations) and the case rule of agents/access.ts.
 * Unread counts: each agent's last-read sequence per conversation is a Redis hash field.
 */
import { followersOfCases } from '../cases/followers';
import { statusWords } from '../domain/cases';
import { calendarDay, stayWords, FLOW_LABELS, PRIORITY_LABELS, SLOT_LABELS, type CapturedDetail, type CaseFollower, type CaseSummary, type ListItem, type ListResult, type ListView, type PersonView } from '../domain/workspace';
import type { ChannelRegistry } from '../domain/channel';
import type { ChannelId } from '../domain/messages';
import type { ConversationStatus } from '../domain/conversation';
import { Case, Contact, Conversation, Identity, Message, Permit, type CaseDoc, type ConversationDoc } from '../models';
import type { Services } from '../services';
import { canSee, councilsOf, type AgentPrincipal } from './agent-actions';
import { byQueueOrder } from './queue-view';

type IdentityLean = { _id: string; channel: string; channelUserId: string; contactId: string; optedOut?: boolean | null; inboxId: string };

const readKey = (services: Services, agentId: string) => `${services.config.QUEUE_PREFIX}:read:${agentId}`;

/** Marks the conversation read up to `seq` for this agent. */
export async function markRead(services: Services, agentId: string, conversationId: string, seq: number): Promise<void> {
  const key = readKey(services, agentId);
  const before = Number((await services.redis.hget(key, conversationId)) ?? 0);
  if (seq > before) await services.redis.hset(key, conversationId, String(seq));
}

/** How a resident is named to agents: their name, else in their channel's words (their number, "Website visitor"). */
export function whoLabel(channels: ChannelRegistry, contactName: string | null | undefined, identity: IdentityLean | undefined, channel: string): string {
  if (contactName) return contactName;
  if (identity && channels.has(identity.channel)) return channels.get(identity.channel).labels.resident(identity.channelUserId);
  return channels.has(channel) ? channels.get(channel).labels.name : channel;
}

/** The channel address as agents read it, in its channel's words (a webchat session is not an address anyone can use). */
export function addressLabel(channels: ChannelRegistry, identity: IdentityLean): string {
  return channels.has(identity.channel) ? channels.get(identity.channel).labels.address(identity.channelUserId) : identity.channelUserId;
}

const words = (value: string) => value.replace(/[-_]/g, ' ').replace(/^./, (c) => c.toUpperCase());

/** The request in progress, readable: only the details the resident gave, named in words. */
export function capturedDetails(services: Services, councilId: string, flow: { id: string; slots?: Record<string, unknown> } | null | undefined): CapturedDetail[] {
  if (!flow) return [];
  const details: CapturedDetail[] = [{ label: 'Request', value: FLOW_LABELS[flow.id] ?? words(flow.id) }];
  for (const [key, raw] of Object.entries(flow.slots ?? {})) {
    const label = SLOT_LABELS[key];
    if (!label || raw === undefined || raw === null || raw === '') continue;
    let value: string | undefined;
    if (key === 'location' || key === 'address') {
      const place = raw as { text?: string; lat?: number; lng?: number };
      value = typeof raw === 'string' ? raw : (place.text ?? (typeof place.lat === 'number' && typeof place.lng === 'number' ? `Shared location ${place.lat.toFixed(5)}, ${place.lng.toFixed(5)}` : undefined));
    } else if (key === 'campground') {
      value = services.councils.tenant(councilId).permits.list().find((c) => c.id === raw)?.name ?? words(String(raw));
    } else if (key === 'category') {
      value = words(String(raw));
    } else if (key === 'arrive') {
      value = calendarDay(String(raw));
    } else if (key === 'followExisting') {
      value = raw ? 'Yes' : 'No';
    } else if (typeof raw === 'string' || typeof raw === 'number') {
      value = String(raw);
    }
    if (key === 'photoCount' && Number(raw) === 0) continue;
    if (value) details.push({ label, value });
  }
  // "At the menu" with nothing captured tells the agent nothing.
  return flow.id === 'welcome' && details.length === 1 ? [] : details;
}

/** What the resident needs, in one line: the request in progress and why a person. */
function needOf(services: Services, c: ConversationDoc): string {
  const flow = (c.flow ?? c.capturedFlow) as { id: string; slots?: Record<string, unknown> } | null | undefined;
  const parts: string[] = [];
  if (c.priority === 0 && c.handoffReason) parts.push(c.handoffReason);
  if (flow && flow.id !== 'welcome') {
    const details = capturedDetails(services, c.councilId, flow);
    parts.push(details.slice(0, 3).map((d) => d.value).join(' · '));
  }
  if (parts.length === 0 && c.handoffReason) parts.push(c.handoffReason);
  return parts.join(' — ') || (c.status === 'bot' ? 'With the assistant' : 'Asked for a person');
}

export interface ListFilter {
  queue?: string | undefined;
  channel?: string | undefined;
  /** One of the councils the agent serves (a shared service centre filters by council). */
  councilId?: string | undefined;
}

/** One of the workspace's lists, with the counts of all four for the tabs. */
export async function listConversations(services: Services, agent: AgentPrincipal, view: ListView, filter: ListFilter = {}): Promise<ListResult> {
  const served = councilsOf(agent);
  const councilId = { $in: filter.councilId ? served.filter((id) => id === filter.councilId) : served };
  const [queued, assigned, resolved] = await Promise.all([
    Conversation.find({ status: 'queued', councilId }).limit(500).lean<ConversationDoc[]>(),
    Conversation.find({ status: 'assigned', councilId }).limit(500).lean<ConversationDoc[]>(),
    Conversation.find({ status: 'resolved', councilId }).sort({ resolvedAt: -1 }).limit(100).lean<ConversationDoc[]>(),
  ]);
  const matches = (c: ConversationDoc) => canSee(agent, c) && (!filter.queue || c.queue === filter.queue) && (!filter.channel || c.channel === filter.channel);
  const lists: Record<ListView, ConversationDoc[]> = {
    waiting: queued.filter(matches).sort(byQueueOrder),
    mine: assigned.filter((c) => c.assigneeId === agent._id).filter(matches).sort(byQueueOrder),
    open: [...queued, ...assigned].filter(matches).sort(byQueueOrder),
    resolved: resolved.filter((c) => matches(c) && (agent.role !== 'agent' || c.assigneeId === agent._id || Boolean(c.queue && agent.queues?.includes(c.queue)))),
  };
  const chosen = lists[view].slice(0, 200);
  const [contacts, identities, read] = await Promise.all([
    Contact.find({ _id: { $in: [...new Set(chosen.map((c) => c.contactId))] } }, { name: 1 }).lean(),
    Identity.find({ _id: { $in: [...new Set(chosen.map((c) => c.identityId))] } }).lean<IdentityLean[]>(),
    services.redis.hgetall(readKey(services, agent._id)),
  ]);
  const names = new Map(contacts.map((c) => [c._id, c.name]));
  const byId = new Map(identities.map((i) => [i._id, i]));
  const now = Date.now();
  const items = await Promise.all(
    chosen.map(async (c): Promise<ListItem> => {
      const lastRead = Number(read[c._id] ?? 0);
      const unread = view !== 'resolved' && (c.lastResidentSeq ?? 0) > lastRead
        ? await Message.countDocuments({ conversationId: c._id, 'sender.kind': 'contact', seq: { $gt: lastRead } })
        : 0;
      const council = councilLabel(services, agent, c.councilId);
      return {
        id: c._id,
        channel: c.channel as ChannelId,
        status: c.status as ConversationStatus,
        ...(council ? { council } : {}),
        priority: c.priority ?? 2,
        ...(c.queue ? { queue: c.queue } : {}),
        ...(c.queuedAt ? { queuedAt: new Date(c.queuedAt).toISOString(), waitingSeconds: Math.max(0, Math.round((now - new Date(c.queuedAt).getTime()) / 1000)) } : {}),
        who: whoLabel(services.channels, names.get(c.contactId), byId.get(c.identityId), c.channel),
        need: needOf(services, c),
        ...(c.lastResidentText ? { preview: c.lastResidentText } : {}),
        unread,
        ...(c.language ? { language: c.language } : {}),
        ...(c.callbackRequested ? { callbackRequested: true } : {}),
        ...(c.assigneeId ? { assignee: { id: c.assigneeId, name: c.assigneeName ?? '' } } : {}),
        updatedAt: new Date(c.updatedAt).toISOString(),
        ...(c.resolvedAt ? { resolvedAt: new Date(c.resolvedAt).toISOString() } : {}),
        ...(c.outcome ? { outcome: c.outcome } : {}),
      };
    }),
  );
  return { view, items, counts: { waiting: lists.waiting.length, mine: lists.mine.length, open: lists.open.length, resolved: lists.resolved.length } };
}

export { PRIORITY_LABELS };

export type PermitLean = { _id: string; councilId: string; campgroundId: string; arrive: string; nights: number; partySize: number; status: string; createdAt: Date; updatedAt: Date; history?: Array<{ status: string; at: Date; by?: string; note?: string }> };

export function caseSummary(c: CaseDoc, followers?: CaseFollower[]): CaseSummary {
  return {
    reference: c._id,
    kind: 'report',
    title: words(c.category),
    status: c.status,
    // A tag starts with a capital, like the permits' ("Fixed", "Booked"); texts to residents say it mid-sentence.
    statusText: statusWords(c.status).replace(/^./, (first) => first.toUpperCase()),
    // The resident's own words for the place, else the address looked up from its point.
    summary: [c.location?.text ?? c.location?.address, c.description].filter(Boolean).join(': '),
    createdAt: new Date(c.createdAt).toISOString(),
    history: (c.history ?? []).map((h) => ({ status: h.status ?? '', at: new Date(h.at ?? c.createdAt).toISOString(), ...(h.note ? { note: h.note } : {}), ...(h.internalNote ? { internalNote: h.internalNote } : {}), ...(h.by ? { by: h.by } : {}) })),
    ...(followers ? { followers } : {}),
  };
}

export function permitSummary(services: Services, p: PermitLean): CaseSummary {
  const campground = services.councils.tenant(p.councilId).permits.list().find((c) => c.id === p.campgroundId)?.name ?? words(p.campgroundId);
  return {
    reference: p._id,
    kind: 'permit',
    title: `Camping permit: ${campground}`,
    status: p.status,
    statusText: p.status === 'booked' ? 'Booked' : 'Cancelled',
    summary: stayWords(p),
    createdAt: new Date(p.createdAt).toISOString(),
    history: p.history?.length
      ? p.history.map((h) => ({ status: h.status, at: new Date(h.at).toISOString(), ...(h.by ? { by: h.by } : {}), ...(h.note ? { note: h.note } : {}) }))
      : [{ status: 'booked', at: new Date(p.createdAt).toISOString() }, ...(p.status === 'cancelled' ? [{ status: 'cancelled', at: new Date(p.updatedAt).toISOString() }] : [])],
  };
}

/** The whole person, if the agent may see one of their conversations (else undefined: a 404). */
export async function personView(services: Services, agent: AgentPrincipal, contactId: string): Promise<PersonView | undefined> {
  const contact = await Contact.findById(contactId).lean();
  if (!contact) return undefined;
  const conversations = await Conversation.find({ contactId }).sort({ createdAt: -1 }).limit(100).lean<ConversationDoc[]>();
  const visible = conversations.filter((c) => canSee(agent, c));
  if (visible.length === 0) return undefined;
  const [identities, cases, permits] = await Promise.all([
    Identity.find({ contactId }).lean<IdentityLean[]>(),
    Case.find({ contactId }).sort({ createdAt: -1 }).limit(50).lean<CaseDoc[]>(),
    Permit.find({ contactId }).sort({ createdAt: -1 }).limit(50).lean<PermitLean[]>(),
  ]);
  const followers = await followersOfCases(services.channels, cases);
  return {
    id: contact._id,
    councilId: contact.councilId,
    name: contact.name ?? null,
    identities: identities.map((i) => ({ channel: i.channel as ChannelId, address: i.channelUserId, label: addressLabel(services.channels, i), optedOut: Boolean(i.optedOut), inboxId: i.inboxId })),
    languages: [...new Set(conversations.map((c) => c.language).filter((l): l is string => Boolean(l)))],
    conversations: visible.map((c) => ({ id: c._id, channel: c.channel as ChannelId, status: c.status as ConversationStatus, createdAt: new Date(c.createdAt).toISOString(), ...(c.lastResidentText ? { preview: c.lastResidentText } : {}), ...(c.outcome ? { outcome: c.outcome } : {}) })),
    cases: cases.map((c) => caseSummary(c, followers.get(c._id))),
    permits: permits.map((p) => permitSummary(services, p)),
  };
}

/** Whose conversation, for agents who serve several councils (to an agent of one council it says nothing). */
export function councilLabel(services: Services, agent: AgentPrincipal, councilId: string): { id: string; name: string } | undefined {
  return councilsOf(agent).length > 1 && services.councils.has(councilId) ? { id: councilId, name: services.councils.council(councilId).name } : undefined;
}
