/**
 * Canned responses: each council's ready-made replies, edited by admins in the workspace.
 * Until an admin changes a council's list, its defaults (src/councils/settings.ts, or a
 * `cannedResponses` change through the councils API) are used; the first change stores them,
 * so the list then lives in the database (the same on every web node).
 */
import { CannedResponse, insertOnce } from '../models';
import type { Services } from '../services';

export interface Canned {
  id: string;
  title: string;
  text: string;
}

const slugOf = (title: string) => title.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'reply';
/** The default council keeps the ids it always had; another council's are prefixed with its id. */
const idOf = (councilId: string, title: string) => (councilId === 'default' ? `canned-${slugOf(title)}` : `canned-${councilId}-${slugOf(title)}`);

export async function listCanned(services: Services, councilId: string): Promise<Canned[]> {
  const stored = await CannedResponse.find({ councilId }).sort({ createdAt: 1 }).limit(500).lean();
  if (stored.length > 0) return stored.map((c) => ({ id: c._id, title: c.title, text: c.text }));
  return services.councils.council(councilId).cannedResponses.map((c) => ({ id: idOf(councilId, c.title), ...c }));
}

async function storeDefaults(services: Services, councilId: string): Promise<void> {
  if (await CannedResponse.exists({ councilId })) return;
  for (const c of services.councils.council(councilId).cannedResponses) await insertOnce(CannedResponse.create({ _id: idOf(councilId, c.title), councilId, title: c.title, text: c.text }));
}

/** Adds a reply, or replaces the one with the same title. */
export async function saveCanned(services: Services, councilId: string, title: string, text: string): Promise<Canned> {
  await storeDefaults(services, councilId);
  const id = idOf(councilId, title);
  await CannedResponse.updateOne({ _id: id }, { $set: { councilId, title, text } }, { upsert: true });
  return { id, title, text };
}

export async function removeCanned(services: Services, councilId: string, id: string): Promise<boolean> {
  await storeDefaults(services, councilId);
  return (await CannedResponse.deleteOne({ _id: id, councilId })).deletedCount === 1;
}
