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
  { pattern: /\blicen[cs]e (?:to|for) (?:go )?(?:fish|fishing|catch)\b|\b(?:fishing|crabbing) (?:licen[cs]e|permit)s?\b|\bbag limit\b/i, topic: 'fishing licences', agency: 'NSW DPI Fisheries (dpi.nsw.gov.au/fishing, 1300 369 365)' },
  { pattern: /\b(?:driver'?s?|drivers|driving|learner'?s?|provisional|boat|fishing) (?:licen[cs]e|permit|test)s?\b|\blicen[cs]e (?:renewal|test)\b|\brego\b|\b(?:car|vehicle|trailer|motorbike|boat) (?:registration|rego)\b|\bnumber ?plates?\b|\bdemerit points?\b|\bspeed(?:ing)? (?:camera|fine|ticket)s?\b/i, topic: 'licences and vehicle registration', agency: 'Service NSW (service.nsw.gov.au, 13 77 88)' },
  { pattern: /\b(?:tax return|income tax|tax refund|ato|abn|tfn|tax file number|gst|superannuation|super fund)\b/i, topic: 'tax', agency: 'the Australian Taxation Office (ato.gov.au)' },
  { pattern: /\b(?:visa|visas|citizenship|immigration|permanent residency)\b/i, topic: 'visas and citizenship', agency: 'the Department of Home Affairs (immi.homeaffairs.gov.au)' },
  { pattern: /\b(?:enrol(?:l)? to vote|federal election|state election|electoral roll)\b/i, topic: 'elections', agency: 'the Australian Electoral Commission (aec.gov.au)' },
  { pattern: /\b(?:bank account|transfer (?:\$ ?\d+|money|funds|cash)|send (?:\$ ?\d+|money)|money transfer|wire (?:money|transfer)|exchange rate|currency|convert (?:dollars|aud|usd)|my (?:bank|credit card|loan|mortgage)|bitcoin|crypto|(?:home|car|personal) loan)\b/i, topic: 'banking', agency: 'your bank' },
  { pattern: /\bnational parks?\b|\b(?:kakadu|uluru|kosciuszko|blue mountains|barrington tops|myall lakes) (?:national park)?\b/i, topic: 'national parks', agency: 'NSW National Parks and Wildlife Service (nationalparks.nsw.gov.au) or Parks Australia' },
  { pattern: /\bschool (?:reports?|report cards?|holidays|terms?|enrolments?|enrollments?|zones?|uniforms?|fees)\b|\breport cards?\b|\benrol(?:l)? (?:my (?:son|daughter|child|kids?) )?(?:in|at|for) (?:a |the )?(?:local )?(?:primary |high |public )?school\b|\b(?:my (?:son|daughter|child|kid)'?s?) teacher\b/i, topic: 'schools', agency: 'the school itself or the NSW Department of Education (education.nsw.gov.au)' },
  { pattern: /\b(?:complain(?:t)?|complaints|report) (?:about|against) (?:my |a |the )?(?:gp|doctor|dentist|hospital|nurse|surgeon|pharmacist|chemist|specialist)\b|\b(?:gp|doctor|hospital|dentist)\b.{0,40}\b(?:complain|complaint)\b/i, topic: 'health services', agency: 'the Health Care Complaints Commission (hccc.nsw.gov.au, 1800 043 159)' },
  { pattern: /\bevict(?:ing|ion of)? (?:a |my |the |our )?tenants?\b|\b(?:my|our|the) tenants?\b.{0,60}\b(?:rent|evict\w*|bond|lease|get (?:him|her|them) out)\b|\bevicting (?:him|her|them)\b(?=.*\btenant)|\b(?:rental )?bond back\b|\bbreak (?:my|the|our) lease\b/i, topic: 'renting and tenancies', agency: 'NSW Fair Trading (fairtrading.nsw.gov.au, 13 32 20)' },
  { pattern: /\b(?:power|electricity|gas|internet|nbn|phone) (?:outage|bill|is out|went out|is down|not working)\b|\bblackout\b/i, topic: 'power, gas and internet', agency: 'your energy or internet provider' },
];

export function referralFor(text: string): Referral | undefined {
  const hit = REFERRALS.find((r) => r.pattern.test(text));
  return hit ? { topic: hit.topic, agency: hit.agency } : undefined;
}
