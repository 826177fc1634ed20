/**
 * Does the resident ask for a person? A person must be reachable in any phrasing, on the first
 * message and at any step, so this runs on every turn (voice included) before any flow: direct
 * ("agent"), polite ("could you connect me with one of your staff"), indirect ("would someone
 * from the council ring me?"), frustrated ("you're going round in circles"), "not a robot",
 * with a topic attached ("agent please, my green bin is broken"), and in the community
 * languages councils serve most. "Can I pay in person?" is not a request for a person.
 */
import { isSafeguarding } from './safeguarding';

/** Nouns that mean a person on their own ("agent", "human pls", "customer service"). */
const STRONG_PERSON = /\b(?:agent|agents|human|humans|hooman|operator|representative|rep|real (?:person|people|human|one)|actual (?:person|human)|live (?:person|agent|chat|human)|customer (?:service|care|support)|call cent(?:re|er)|switchboard|receptionist)\b/i;
/** Nouns that mean a person only with a request around them ("the officer gave me a fine" is not one). */
const WEAK_PERSON = '(?:a |an |the |some |one of your |any |your )?(?:person|persons|people|someone|somebody|some one|some body|anyone|anybody|staff|staff member|member of staff|officer|manager|supervisor|boss|employee|worker|team member|consultant|advisor|adviser|somebody real|someone real|real someone|council officer|council worker)';
const REQUEST_VERB = '(?:talk|talking|tlk|speak|speaking|speek|chat|chatting|connect|conect|transfer|put|pass|get|give|want|need|wanna|hand|contact|reach|see)';
const ASKS_FOR_WEAK = new RegExp(`\\b${REQUEST_VERB}\\b(?:\\s+\\w+){0,3}?\\s+(?:to |with |me (?:to |with |through to )?|through to )?${WEAK_PERSON}\\b`, 'i');
const CALL_ME = /\b(?:call|ring|phone|contact|text) me(?: back)?\b|\bgive (?:me|us) a (?:ring|call|bell|buzz)\b|\b(?:ring|call) (?:me|us) (?:on|at)\b|\bcall ?back\b|\b(?:someone|somebody|anyone|a person|staff|an officer|you guys|your team)\b.{0,40}\b(?:call|ring|phone|contact|get back to|get in touch with|help) me\b|\bget back to me\b/i;
const NOT_A_BOT = /\bnot (?:a |an |some |this |the )?(?:stupid |dumb |bloody )?(?:robot|bot|chat ?bot|machine|computer|ai|automated\w*|program)\b|\b(?:no|stop the|enough with the|hate|hate these|sick of (?:this|the|these)) (?:robots?|bots?|chat ?bots?|machines?|automated \w+)\b|\bwith a (?:real|living|actual) (?:being|one)\b/i;
/** Frustration with the assistant itself (not with a pothole): the resident needs a person. */
const FRUSTRATED = /\b(?:you'?re|you are|this is|this bot is|what a|so) (?:useless|hopeless|pointless|a joke|no help|not helping)\b|\buseless\b(?!.{0,20}\b(?:bin|bins|light|lights|road|park|footpath|drain|bus)\b)|\bwaste of (?:my )?time\b|\b(?:not|isn'?t|aren'?t) helping\b|\b(?:not getting|getting) nowhere\b|\bgoing (?:a)?round (?:and round |in )?(?:in )?circles\b|\bround in circles\b|\byou (?:don'?t|do not|dont|just don'?t|clearly don'?t) (?:understand|get it|get me)\b|\b(?:doesn'?t|does not|doesnt|can'?t|cannot) understand (?:me|what i|anything)\b|\bnot understanding (?:me|what)\b|\bsame (?:answer|thing|question) (?:again|over and over)\b|\b(?:keep|keeps) (?:asking|saying) (?:me )?the same\b/i;
/** "who can I talk to", "with a person rather than online". */
const WHO_TO_TALK_TO = /\bwho (?:\w+ ){0,5}(?:can|could|should|do) i (?:actually |really |just |please )?(?:talk|speak|chat) (?:to|with)\b|\b(?:with|to) (?:a|an|one of your) (?:real |actual |live |proper )?(?:person|human|staff member|officer|worker|employee|member of (?:staff|the team))\b(?! (?:who|that) )/i;
/** A person in a place or a role, not a request: "pay in person", "someone dumped rubbish". */
const NOT_A_REQUEST = /\bin person\b|\bperson(?:al)? (?:who|that)\b|\b(?:travel|estate|real estate|insurance|booking) agents?\b|\bhuman (?:remains|waste|rights)\b/i;

/** "quiero hablar con una persona", "转人工", "tôi muốn gặp nhân viên", … */
const OTHER_LANGUAGES = [
  /\b(?:hablar|comunicarme|habla) con (?:una persona|alguien|un agente|un humano|un operador|una operadora|un representante|un empleado|un funcionario)|\b(?:una persona real|agente humano|atención al cliente)\b/i, // Spanish
  /\bme (?:puede|pueden|podría|podrian|podrían) (?:llamar|contactar)|\bllámenme\b|\bllamarme\b|\bdevolverme la llamada\b/i, // Spanish: call me
  /\b(?:chiamarmi|richiamarmi|mi (?:può|potete|puo) chiamare)\b/i, // Italian: call me
  /να με (?:πάρει|πάρετε|καλέσει|καλέσετε)|τηλεφωνήσ/i, // Greek: call me
  /gọi (?:lại )?cho tôi|gọi điện cho tôi/i, // Vietnamese: call me
  /给我打电话|給我打電話|回电|回電|打电话给我/, // Chinese: call me
  /اتصل بي|اتصلوا بي|يتصل بي|الاتصال بي/, // Arabic: call me
  /मुझे (?:फ़ोन|फोन|कॉल)|कॉल (?:करें|कीजिए|करो)/, // Hindi: call me
  /\bparlare con (?:una persona|qualcuno|un operatore|un'operatrice|un impiegato|un addetto)|\boperatore\b|\bpersona reale\b/i, // Italian
  /\bfalar com (?:uma pessoa|alguém|um atendente)|\batendente\b/i, // Portuguese
  /\bparler (?:à|a|avec) (?:quelqu'un|une personne|un agent|un conseiller)/i, // French
  /\b(?:mit einem menschen|mit einer person|mit jemandem) (?:sprechen|reden)|\bmitarbeiter\b/i, // German
  /nói chuyện với (?:người|nhân viên|ai đó|tổng đài)|gặp (?:người|nhân viên)|nhân viên (?:tư vấn|hỗ trợ)|người thật|tổng đài viên/i, // Vietnamese
  /人工|真人|客服|工作人员|工作人員|接线员|转接|轉接|找人|跟人说|和人说|职员|職員/, // Chinese
  /شخص|موظف|إنسان|انسان|أتحدث|اتحدث|التحدث مع|خدمة العملاء|ممثل/, // Arabic
  /υπάλληλ|άνθρωπο|ανθρώπου|άτομο|μιλήσω|εκπρόσωπο|εξυπηρέτηση πελατών/i, // Greek
  /व्यक्ति|इंसान|किसी से बात|एजेंट|कर्मचारी|अधिकारी|आदमी से बात|बात करनी|बात करना/, // Hindi
  /상담원|사람과|직원/, // Korean
  /\b(?:temsilci|insanla|biriyle|yetkili(?:yle)?|müşteri hizmetleri)\b/i, // Turkish
  /\bnakipag-?usap sa tao\b|\btao po\b/i, // Tagalog
  /ਕਿਸੇ ਵਿਅਕਤੀ|ਗੱਲ ਕਰਨੀ/, // Punjabi
  /ஒருவருடன் பேச|நபருடன்/, // Tamil
  /কারো সাথে কথা|ব্যক্তির সাথে/, // Bengali
  /با یک (?:نفر|شخص)|کارمند/, // Persian
  /με (?:κάποιον|άνθρωπο)/i,
  // Broader phrasings in the languages councils serve most (a message we cannot read is better with a person than a menu).
  /\b(?:persona real|ser humano|alguien (?:del|de la|que)|hablar con (?:un|una|el|la|alguien)|un asesor|una asesora|que me llamen|me llamen|llámeme|llamenme|llámenme|contactarme|comunicarme con)\b/i, // Spanish
  /\b(?:persona vera|essere umano|qualcuno (?:del|che)|un dipendente|un impiegato|un consulente|parlare con|mi chiami|mi richiami|mi chiamate|mettermi in contatto|passarmi)\b/i, // Italian
  /ακούσω άνθρωπο|πραγματικό (?:άνθρωπο|άτομο)|κάποιο(?:ν|ς) (?:από|να)|να μιλήσω|συνδέστε με|πάρτε με|καλέστε με|τηλεφωνήστε μου|χειριστή|υπεύθυνο/i, // Greek
  /nói chuyện|trò chuyện|gặp (?:ai|một người|nhân viên|người)|người thật|ai đó|có ai|cán bộ|chuyên viên|người hỗ trợ|liên (?:hệ|lạc) (?:với|lại với) tôi|gọi lại|tổng đài/i, // Vietnamese
  /员工|員工|人员|人員|联系我|聯繫我|聯絡我|打给我|打給我|找个人|找個人|跟人(?:说|講|讲|聊)|和人(?:说|講|讲|聊)|有人(?:能|可以)|专人|專人|接通|坐席/, // Chinese
  /أكلم|اكلم|أتكلم|اتكلم|التكلم|التواصل مع|كلموني|بشري|أحد الموظفين|حد من|يكلمني|اتصال بي|تتصلوا|مسؤول/, // Arabic
  /बात (?:करना|करनी|करवा|कराइए|कराएं)|जोड़ (?:दीजिए|दें|दो)|कनेक्ट|असली (?:आदमी|इंसान|व्यक्ति)|मुझसे संपर्क|फ़ोन कर|फोन कर|कॉल कर|किसी से|कोई (?:इंसान|व्यक्ति|आदमी)/, // Hindi
  /사람이랑|사람하고|통화|연결해|담당자|상담/, // Korean
  /\b(?:gerçek bir|görüşmek|görüşebilir|konuşmak istiyorum|konuşabilir|beni arayın|beni arar|personel|operatör)\b/i, // Turkish
];

export function wantsPerson(text: string): boolean {
  const clean = text.trim().replace(/[’‘]/g, "'");
  if (!clean) return false;
  if (OTHER_LANGUAGES.some((p) => p.test(clean))) return true;
  if (NOT_A_BOT.test(clean)) return true;
  const words = clean.split(/\s+/).length;
  const inPerson = NOT_A_REQUEST.test(clean);
  if (STRONG_PERSON.test(clean) && !inPerson) return true;
  // "send someone to fix the light" asks for a job to be done, not for a conversation.
  const jobForSomeone = /\b(?:someone|somebody|anyone|a person|people|staff|an officer|a worker|a crew)\b (?:to |out to |round to |over to |who can |that can )(?:come (?:and |to )?)?(?:fix|repair|clean|clear|remove|collect|pick|mow|cut|trim|look at|check|inspect|sort|empty|replace|patch|fill|take away)\b/i.test(clean);
  if (!jobForSomeone && ASKS_FOR_WEAK.test(clean.replace(/\bin person\b/gi, ''))) return !/\b(?:someone|somebody|people|anyone)\s+(?:has |have |had |keeps |kept |is |are |was |were )?(?:dumped|dumping|left|broke|broken|parked|smashed|spray|sprayed|stole|stolen|damaged|tagged|painted|dropped|throw|threw|thrown)\b/i.test(clean) || /\b(?:talk|speak|chat)\b/i.test(clean);
  if (CALL_ME.test(clean)) return true;
  if (FRUSTRATED.test(clean)) return true;
  if (WHO_TO_TALK_TO.test(clean) && !inPerson) return true;
  // "person?", "someone pls"; but "4 people" or "2 persons" answers a question about party size.
  return words <= 3 && /\b(?:person|someone|somebody|staff|officer|manager|supervisor)\b/i.test(clean) && !/\d|\b(?:one|two|three|four|five|six)\b/i.test(clean) && !inPerson;
}

/**
 * What the resident wants help with when they asked for a person and said more ("agent please,
 * my green bin is broken" → "my green bin is broken"), for the agent's reason line.
 */
export function topicBesidesPerson(text: string): string | undefined {
  const rest = text
    .replace(/\b(?:can|could|may|would) (?:i|you|someone|somebody)\b|\b(?:i'?d like|i would like|i want|i need|i wanna|please|pls|plz|thanks|thank you|ta|cheers)\b/gi, ' ')
    .replace(/\b(?:talk|speak|chat|connect|transfer|put)(?: me)?(?: to| with| through to)?\b/gi, ' ')
    .replace(new RegExp(`${STRONG_PERSON.source}|\\b(?:a|an|the|to|with|me|real|actual)\\b`, 'gi'), ' ')
    .replace(/[\s,.!?;:-]+/g, ' ')
    .trim();
  return rest.split(' ').length >= 3 ? text.trim().slice(0, 200) : undefined;
}

/** Queue priority: 0 safeguarding, 1 a caller holding on the phone, 2 everyone else. */
export function queuePriority(texts: string[], liveCall: boolean): number {
  if (texts.some(isSafeguarding)) return 0;
  return liveCall ? 1 : 2;
}
