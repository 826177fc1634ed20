/**
 * Requests that belong to another organisation: banks, and other governments' services. They
 * never enter a flow or get a council page; where the right agency is known, the reply names it.
 */
export interface Referral {
  topic: string;
  /** Who can help, as a resident would look them up. */
  agency: string;
}

const REFERRALS: Array<{ pattern: RegExp; topic: string; agency: string }> = [
  { pattern: /\bpassports?\b/i, topic: 'passports', agency: 'the Australian Passport Office (passports.gov.au, 131 232)' },
  { pattern: /\b(?:medicare|centrelink|my ?gov|jobseeker|job seeker|age pension|disability pension|child support|family tax benefit|ndis)\b/i, topic: 'Medicare, Centrelink and myGov', agency: 'Services Australia (servicesaustralia.gov.au)' },
  { pattern: /\b(?:driver'?s?|drivers|driving|learner'?s?|provisional|boat|fishing) (?:licen[cs]e|permit|test)s?\b|\blicen[cs]e (?:renewal|test)\b|\brego\b|\b(?:car|vehicle|trailer|motorbike|boat) (?:registration|rego)\b|\bnumber ?plates?\b|\bdemerit points?\b|\bspeed(?:ing)? (?:camera|fine|ticket)s?\b/i, topic: 'licences and vehicle registration', agency: 'Service NSW (service.nsw.gov.au, 13 77 88)' },
  { pattern: /\b(?:tax return|income tax|tax refund|ato|abn|tfn|tax file number|gst|superannuation|super fund)\b/i, topic: 'tax', agency: 'the Australian Taxation Office (ato.gov.au)' },
  { pattern: /\b(?:visa|visas|citizenship|immigration|permanent residency)\b/i, topic: 'visas and citizenship', agency: 'the Department of Home Affairs (immi.homeaffairs.gov.au)' },
  { pattern: /\b(?:enrol(?:l)? to vote|federal election|state election|electoral roll)\b/i, topic: 'elections', agency: 'the Australian Electoral Commission (aec.gov.au)' },
  { pattern: /\b(?:bank account|transfer (?:\$ ?\d+|money|funds|cash)|send (?:\$ ?\d+|money)|money transfer|wire (?:money|transfer)|exchange rate|currency|convert (?:dollars|aud|usd)|my (?:bank|credit card|loan|mortgage)|bitcoin|crypto|(?:home|car|personal) loan)\b/i, topic: 'banking', agency: 'your bank' },
  { pattern: /\b(?:power|electricity|gas|internet|nbn|phone) (?:outage|bill|is out|went out|is down|not working)\b|\bblackout\b/i, topic: 'power, gas and internet', agency: 'your energy or internet provider' },
];

export function referralFor(text: string): Referral | undefined {
  const hit = REFERRALS.find((r) => r.pattern.test(text));
  return hit ? { topic: hit.topic, agency: hit.agency } : undefined;
}
