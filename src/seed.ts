/**
 * Demo and default content: each council's record and inboxes (from TENANTS_FILE, or the one
 * default council from the environment), and the first admin agent when no agent exists, who
 * serves every council. Safe to run on every boot.
 */
import { seedAdmin } from './agents/auth';
import type { Config } from './config';
import { inboxesOf, type CouncilSettings } from './councils/settings';
import { ids } from './ids';
import { Agent, Council, Inbox } from './models';

export { DEFAULT_COUNCIL_ID } from './councils/settings';

export async function seedDefaults(config: Config, councils: CouncilSettings[]): Promise<{ adminCreated: boolean }> {
  for (const council of councils) {
    await Council.updateOne({ _id: council.id }, { $set: { name: council.name, timezone: council.timezone, officeHours: council.officeHours, queues: council.queues } }, { upsert: true });
    for (const inbox of inboxesOf(council)) {
      await Inbox.updateOne({ _id: ids.inbox(inbox.channel, inbox.address) }, { $set: { councilId: council.id, ...inbox } }, { upsert: true });
    }
  }
  // Agents from before councils were data served the one council there was.
  await Agent.updateMany({ councils: { $exists: false } }, { $set: { councils: [councils[0]!.id] } });
  const adminCreated = config.SEED_DEMO ? await seedAdmin(config.SEED_ADMIN_EMAIL, config.SEED_ADMIN_PASSWORD, councils.map((c) => c.id)) : false;
  return { adminCreated };
}
