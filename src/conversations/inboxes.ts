/**
 * The council's inboxes change only by configuration, so each is read from the database
 * once per process. Only inboxes that exist are remembered: one added later is still found.
 */
import { Inbox } from '../models';

export interface InboxInfo {
  id: string;
  councilId: string;
  channel: string;
  address: string;
}

const known = new Map<string, InboxInfo>();

export async function findInbox(inboxId: string): Promise<InboxInfo | undefined> {
  const cached = known.get(inboxId);
  if (cached) return cached;
  const inbox = await Inbox.findById(inboxId).lean();
  if (!inbox) return undefined;
  const info = { id: inbox._id, councilId: inbox.councilId, channel: inbox.channel, address: inbox.address };
  known.set(inboxId, info);
  return info;
}
