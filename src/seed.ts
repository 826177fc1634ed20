/**
 * Demo and default content: the default council built from the environment, its inboxes,
 * and the first admin agent when no agent exists. Safe to run on every boot.
 */
import { seedAdmin } from './agents/auth';
import type { Config } from './config';
import { ids } from './ids';
import { Council, Inbox } from './models';
import type { CouncilInfo } from './services';
import { NATIONAL_CRISIS_LINES } from './conversations/safeguarding-notice';

export const DEFAULT_COUNCIL_ID = 'default';

export async function seedDefaults(config: Config): Promise<{ council: CouncilInfo; adminCreated: boolean }> {
  const council: CouncilInfo = {
    id: DEFAULT_COUNCIL_ID,
    name: config.COUNCIL_NAME,
    timezone: config.COUNCIL_TIMEZONE,
    officeHours: config.OFFICE_HOURS,
    queues: ['general', 'permits', 'waste', 'roads'],
    crisisLines: { ...NATIONAL_CRISIS_LINES, ...config.CRISIS_LINES },
    interpreterLine: config.INTERPRETER_LINE,
    cannedResponses: [
      { title: 'Greeting', text: `Hi, thanks for contacting ${config.COUNCIL_NAME}. How can I help?` },
      { title: 'Looking into it', text: "Thanks. I'm looking into this now and will reply here shortly." },
      { title: 'Need the address', text: 'Could you tell me the street address, or the nearest corner, please?' },
      { title: 'Reference number', text: 'Do you have a reference number? It starts with two letters, for example RB-1234.' },
      { title: 'Passed to the team', text: "I've passed this to the team responsible. They'll contact you within 2 business days." },
      { title: 'Anything else', text: 'Is there anything else I can help you with today?' },
    ],
  };
  await Council.updateOne({ _id: council.id }, { $set: { name: council.name, timezone: council.timezone, officeHours: council.officeHours, queues: council.queues } }, { upsert: true });
  const inboxes = [
    { channel: 'webchat', address: 'default', name: `${council.name} website chat` },
    { channel: 'sms', address: config.TWILIO_PHONE_NUMBER, name: `${council.name} SMS` },
    { channel: 'voice', address: config.TWILIO_PHONE_NUMBER, name: `${council.name} phone` },
    { channel: 'social', address: config.META_PAGE_ID, name: `${council.name} Facebook and Instagram` },
  ];
  for (const inbox of inboxes) {
    await Inbox.updateOne({ _id: ids.inbox(inbox.channel, inbox.address) }, { $set: { councilId: council.id, ...inbox } }, { upsert: true });
  }
  const adminCreated = config.SEED_DEMO ? await seedAdmin(config.SEED_ADMIN_EMAIL, config.SEED_ADMIN_PASSWORD) : false;
  return { council, adminCreated };
}
