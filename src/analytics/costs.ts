/**
 * Cost to serve: what one contact costs by channel and by whether a person handled it.
 *
 * The anchors are SOCITM's published average costs per transaction for UK councils (Socitm
 * Insight, "Channel value benchmarking", 2012, quoted in the Government Digital Service's
 * "Digital efficiency report", 2012): face to face £8.62, telephone £2.83, web £0.15.
 * The other figures are ours, derived from those three and documented in the README:
 *  - any contact the assistant settled alone (webchat, SMS, social) costs what a web
 *    transaction does, £0.15, plus the carrier's price of the texts for SMS (about 5p: £0.20);
 *  - a phone call the assistant settled (menu and speech, no agent) £0.50: telephony minutes
 *    and speech recognition, no staff time;
 *  - a person on webchat or social media £1.42, half a call: agents hold about two chats at once
 *    (the console's default capacity is three) and a chat takes about as long as a call;
 *  - a person on SMS £1.47: as a chat, plus the texts.
 * Override any figure with `CONTACT_COSTS` (JSON), in `COST_CURRENCY`.
 */
import { z } from 'zod';

export const SOCITM = { faceToFace: 8.62, telephone: 2.83, web: 0.15 } as const;

export interface ChannelCost {
  /** Settled by the assistant, no person. */
  assistant: number;
  /** A person handled it. */
  person: number;
}
export type CostTable = Record<string, ChannelCost>;

export const DEFAULT_COSTS: CostTable = {
  voice: { assistant: 0.5, person: SOCITM.telephone },
  webchat: { assistant: SOCITM.web, person: 1.42 },
  social: { assistant: SOCITM.web, person: 1.42 },
  sms: { assistant: 0.2, person: 1.47 },
  face_to_face: { assistant: SOCITM.faceToFace, person: SOCITM.faceToFace },
};

const price = z.number().min(0).max(1000);
export const costOverridesSchema = z.record(z.string().regex(/^[a-z_]{2,20}$/), z.object({ assistant: price.optional(), person: price.optional() }).strict());

/** The defaults with `overrides` laid over them. */
export function costTable(overrides: z.infer<typeof costOverridesSchema> = {}): CostTable {
  const table: CostTable = structuredClone(DEFAULT_COSTS);
  for (const [channel, cost] of Object.entries(overrides)) {
    table[channel] = { ...(table[channel] ?? { assistant: SOCITM.web, person: SOCITM.telephone }), ...cost };
  }
  return table;
}

/** The price of one contact (an unknown channel is priced as a phone call). */
export function contactCost(table: CostTable, channel: string, handledByPerson: boolean): number {
  const cost = table[channel] ?? { assistant: SOCITM.telephone, person: SOCITM.telephone };
  return handledByPerson ? cost.person : cost.assistant;
}
