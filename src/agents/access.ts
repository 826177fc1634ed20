/**
 * Who may see and change what, beyond conversations (whose rule is `canSee` in
 * conversations/agent-actions.ts): cases and permits, and who may text a resident.
 * Supervisors and admins see every case. An agent sees a case when it is their queue's work
 * (permits → `permits`; reports by category → `roads` or `waste`, the rest `general`) or when
 * they may see one of the resident's conversations. Missing and not-yours answer the same 404.
 */
import { canSee, servesCouncil, type AgentPrincipal } from '../conversations/agent-actions';
import { NotFoundError, AuthError } from '../errors';
import { Case, Contact, Conversation, Permit, type CaseDoc, type ConversationDoc } from '../models';

/** The queue whose agents handle each kind of report. */
const REPORT_QUEUES: Record<string, string> = {
  pothole: 'roads',
  'street-light': 'roads',
  footpath: 'roads',
  drain: 'roads',
  'fallen-tree': 'roads',
  'dumped-rubbish': 'waste',
  'missed-bin': 'waste',
  graffiti: 'waste',
};

export const caseQueue = (kind: 'report' | 'permit', category: string): string => (kind === 'permit' ? 'permits' : (REPORT_QUEUES[category] ?? 'general'));

/** Roles that may have a case note texted to the resident (a note is the council speaking). */
export const ROLES_THAT_TEXT_RESIDENTS: ReadonlyArray<AgentPrincipal['role']> = ['supervisor', 'admin'];

export interface CaseOwner {
  reference: string;
  contactId: string;
  queue: string;
  councilId: string;
}

/** The case (report or permit) if this agent may see it; else the same 404 as a missing one. */
export async function loadVisibleCase(agent: AgentPrincipal, reference: string): Promise<CaseOwner> {
  let owner: CaseOwner | undefined;
  if (reference.startsWith('CP-')) {
    const permit = await Permit.findById(reference).lean<{ _id: string; contactId: string; councilId: string }>();
    if (permit) owner = { reference, contactId: permit.contactId, queue: caseQueue('permit', ''), councilId: permit.councilId };
  } else {
    const found = await Case.findById(reference).lean<CaseDoc>();
    if (found) owner = { reference, contactId: found.contactId, queue: caseQueue(found.kind === 'permit' ? 'permit' : 'report', found.category), councilId: found.councilId };
  }
  if (owner && (await maySeeCase(agent, owner))) return owner;
  throw new NotFoundError(`Case ${reference}`);
}

async function maySeeCase(agent: AgentPrincipal, owner: CaseOwner): Promise<boolean> {
  if (!servesCouncil(agent, owner.councilId)) return false;
  if (agent.role !== 'agent') return true;
  if (agent.queues?.includes(owner.queue)) return true;
  const conversations = await Conversation.find({ contactId: owner.contactId }).limit(100).lean<ConversationDoc[]>();
  return conversations.some((c) => canSee(agent, c));
}

export function assertMayTextResidents(agent: AgentPrincipal): void {
  if (!ROLES_THAT_TEXT_RESIDENTS.includes(agent.role)) {
    throw new AuthError('Only a supervisor or an admin can send a note to the resident. Change the status without a note, or ask a supervisor.', 'forbidden', 403);
  }
}

/** A contact of a council the agent serves (admins' privacy operations too); else the same 404 as a missing one. */
export async function loadContactOfTheirCouncil(agent: AgentPrincipal, contactId: string): Promise<{ _id: string; councilId: string }> {
  const contact = await Contact.findById(contactId, { councilId: 1 }).lean<{ _id: string; councilId: string }>();
  if (!contact || !servesCouncil(agent, contact.councilId)) throw new NotFoundError('That contact');
  return contact;
}
