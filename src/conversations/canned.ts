/**
 * Canned responses: the council's ready-made replies, edited by admins in the workspace.
 * Until an admin changes them, the built-in defaults (src/seed.ts) are used; the first change
 * stores the defaults, so the list then lives in the database (the same on every web node).
 */
import { CannedResponse, insertOnce } from '../models';
import type { Services } from '../services';

export interface Canned {
  id: string;
  title: string;
  text: string;
}

const idOf = (title: string) => `canned-${title.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'reply'}`;

export async function listCanned(services: Services): Promise<Canned[]> {
  const stored = await CannedResponse.find({}).sort({ createdAt: 1 }).limit(500).lean();
  if (stored.length > 0) return stored.map((c) => ({ id: c._id, title: c.title, text: c.text }));
  return services.council.cannedResponses.map((c) => ({ id: idOf(c.title), ...c }));
}

async function storeDefaults(services: Services): Promise<void> {
  if ((await CannedResponse.estimatedDocumentCount()) > 0) return;
  for (const c of services.council.cannedResponses) await insertOnce(CannedResponse.create({ _id: idOf(c.title), title: c.title, text: c.text }));
}

/** Adds a reply, or replaces the one with the same title. */
export async function saveCanned(services: Services, title: string, text: string): Promise<Canned> {
  await storeDefaults(services);
  const id = idOf(title);
  await CannedResponse.updateOne({ _id: id }, { $set: { title, text } }, { upsert: true });
  return { id, title, text };
}

export async function removeCanned(services: Services, id: string): Promise<boolean> {
  await storeDefaults(services);
  return (await CannedResponse.deleteOne({ _id: id })).deletedCount === 1;
}
