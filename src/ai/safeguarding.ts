/**
 * Is someone at risk? Runs first on every message, on every channel, in every state. A match
 * means the resident gets the crisis lines at once and a person at the top of the queue,
 * never a menu or a flow. Tuned for recall: a false alarm costs an agent a minute, a miss can
 * cost a life. The patterns are read against the message as written and, for typos, against
 * the normalised text the classifier sees.
 */

export type RiskKind = 'self_harm' | 'family_violence' | 'abuse_neglect' | 'welfare' | 'homelessness' | 'threat' | 'unspecified';

/** What agents see as the reason, in plain words. */
export const RISK_LABELS: Record<RiskKind, string> = {
  self_harm: 'risk to life or self-harm',
  family_violence: 'family or domestic violence',
  abuse_neglect: 'abuse or neglect',
  welfare: 'a welfare concern about someone',
  homelessness: 'homeless or without a safe place tonight',
  threat: 'a threat or weapon in a public place',
  unspecified: 'someone may be at risk',
};

const PEOPLE = '(?:partner|husband|hubby|wife|boyfriend|bf|girlfriend|gf|ex|fiance|fiancee|dad|father|stepdad|step dad|mum|mom|mother|stepmum|son|daughter|brother|sister|uncle|aunty|aunt|flatmate|housemate|he|she|they)';
const HARM_VERBS = '(?:hits?|hitting|hit|beats?|beating|beat|bash(?:es|ed|ing)?|punch(?:es|ed|ing)?|kick(?:s|ed|ing)?|chok(?:es|ed|ing)|strangl(?:es|ed|ing)|slap(?:s|ped|ping)?|hurts?|hurting|threaten(?:s|ed|ing)?|attack(?:s|ed|ing)?|push(?:es|ed)?|shov(?:es|ed)|grabbed|rap(?:es|ed)|abus(?:es|ed|ing)|won\'?t let me (?:leave|out)|locked me)';

const PATTERNS: Record<Exclude<RiskKind, 'unspecified'>, RegExp[]> = {
  self_harm: [
    // Phrasings crisis-line workers are taught to hear: a plan, affairs put in order, goodbyes, tiredness of living.
    /\b(?:tired|sick) of (?:living|being alive|life|existing)\b|\b(?:i'?ve|i have) (?:got|made) a plan\b|\b(?:sorting|sorted|putting|put) (?:out )?(?:my|all my) affairs\b|\b(?:said|saying) my goodbyes\b|\b(?:my|this is my) last (?:message|text|day|night)\b|\bwon'?t be (?:a problem|a bother|a burden|anyone'?s problem) (?:much|for much) longer\b|\b(?:nobody|no one|no-one|noone) would (?:care|notice|miss me) if i (?:was|were|wasn'?t) (?:gone|here|dead|around)\b|\b(?:written|wrote|writing) (?:letters|a letter|notes?) (?:to|for) (?:my|the) (?:family|kids|children|wife|husband|partner|mum|parents)\b|\beveryone(?:'?d| would) be better off\b|\bi'?m (?:just )?a burden\b|\bthinking (?:about|of) (?:ending|killing|hurting|harming)\b/i,
    // Said of oneself or of someone else, plainly or in passing (a plan, a place, the means).
    /\bwanting to die\b|\b(?:think(?:ing)? (?:about|of)|easier to think about) (?:not existing|not being here|dying|ending it)\b|\bi'?ll be dead (?:before|by|soon)\b|\b(?:kill|hang|hurt|harm) (?:him|her|them)sel(?:f|ves)\b|\bgoing to the (?:train line|train tracks|tracks|railway line|gap|cliffs?)\b|\b(?:sitting|standing|climbing) on the (?:railing|rail|edge|ledge) of\b|\bon the (?:railing|rail) of the (?:footbridge|bridge|overpass)\b|\bwon'?t be needing any of it\b/i,
    /\bsuicid\w*|\bkill(?:ing)? (?:my ?self|me)\b|\bend(?:ing)? (?:my life|it all|things|my own life|everything)\b|\btake my (?:own )?life\b/i,
    /\b(?:don'?t|do not|dont|no longer) want to (?:be here|live|be alive|exist|wake up|go on|be around)\b/i,
    /\bwant(?:s|ed)? to (?:die|disappear forever|not exist)\b|\bwish (?:i|I) (?:was|were) dead\b|\bbetter off (?:dead|without me)\b/i,
    /\b(?:can'?t|cannot|cant) (?:go on|do this anymore|take (?:it|this) anymore|keep going|cope anymore)\b|\bno (?:reason|point) (?:to|in) (?:live|living|go on|going on)\b/i,
    /\bself[- ]?harm\w*|\b(?:cut|cutting|hurt|hurting|harm|harming) my ?self\b|\boverdos\w*|\bhang my ?self\b|\bjump (?:off|in front)\b|\bnot worth living\b|\bgive up on (?:life|everything)\b/i,
    /\bwon'?t (?:even )?be (?:around|here|alive)\b|\bwant(?:s)? (?:it all|everything|this|the pain|it) to (?:stop|end|be over)\b|\b(?:not|never|won'?t be|wont be|won'?t|will not be) (?:to )?(?:come|coming|go|going) (?:back|home)\b(?!\s+(?:until|till|til|before|for|after|from))(?=.*\b(?:go|going|out there|river|cliff|bridge|gorge|bush|lookout|the water|the sea|drive|driving|heading|walk)\b|(?<=\b(?:go|going|out there|river|cliff|bridge|gorge|bush|lookout|water|sea|drive|driving|heading|walk|walking)\b.*))|\b(?:saving|stockpiling|hoarding|collecting) (?:up )?(?:pills|tablets|meds|medication)\b|\b(?:take|taking|swallow|swallowing) (?:them |all (?:of )?(?:the|my) )?(?:all|pills|tablets)\b.{0,20}\b(?:tonight|at once|together)\b|\bdisap+ear (?:4ever|forever|for good|for ever)\b|\bcut+ing my ?self\b|\bno ?one (?:would|will) (?:miss|notice|care)\b|\bcan'?t see a way out\b|\b(?:end|ending) it\b(?! (?:with|for) (?:the|my|this) (?:booking|permit|contract|lease))|\bsay(?:ing)? goodbye (?:to everyone|for good)\b|\bwhat'?s the point of (?:living|going on|anything)\b/i,
    // Said indirectly: a plan, a goodbye, a means, a burden.
    /\b(?:go to sleep|fall asleep|sleep) and (?:not|never) wake up\b|\bsleep forever\b|\bgiv(?:e|ing|en) (?:away )?(?:all )?my (?:things|stuff|belongings|possessions)(?: away)?\b|\b(?:goodbye|suicide) (?:note|letter|message|text|post)\b|\b(?:a|an) burden (?:to|on) (?:everyone|everybody|my family|them|my kids)\b|\b(?:better|happier) (?:off )?without me\b|\b(?:have|got|bought) (?:the|a) (?:rope|noose)\b|\b(?:standing|sitting) on (?:the|a) (?:bridge|ledge|edge of|cliff|roof)\b|\b(?:not|don'?t feel) safe with my ?self\b|\bdon'?t trust my ?self\b|\bstep(?:ping)? in front of (?:a|the) (?:train|bus|truck|car)\b|\bdriv(?:e|ing) (?:my car |the car )?(?:off|into) (?:the|a) (?:bridge|cliff|tree|river|wall)\b|\b(?:bottle|packet|box|stash) of (?:pills|tablets|sleeping pills)\b|\b(?:no|don'?t see (?:the|any)|what'?s the) point (?:in|to|of) (?:anything|life|living|it all|being here)\b|\bcut(?:ting)? my (?:arms?|wrists?|legs?)\b|\bgo through with it\b|\b(?:had|have had) enough of (?:life|living|everything)\b|\bthe end of (?:me|my life)\b|\b(?:won'?t|will not) need (?:it|them|the (?:booking|site|permit)) (?:where|after) i'?m going\b/i,
    // Other languages: Spanish, Italian, Portuguese, French, Vietnamese, Chinese, Arabic, Greek, Hindi.
    /quitarme la vida|acabar con (?:mi vida|todo)|hacerme daño|farla finita|togliermi la vita|farmi del male|tự sát|kết thúc cuộc (?:đời|sống)|làm hại bản thân|结束(?:我的)?生命|結束(?:我的)?生命|活不下去|伤害自己|傷害自己|أقتل نفسي|اقتل نفسي|أنهي حياتي|انهي حياتي|لا (?:أريد|اريد) (?:أن|ان) أعيش|να τελειώσω τη ζωή μου|δεν θέλω να ζω|να σκοτωθώ|खुद को (?:मार|नुकसान|खत्म)|अपनी जान|intihar|ölmek istiyorum|yaşamak istemiyorum|kendimi öldür/i,
    /suicid|quiero morir(me)?|no quiero vivir|voglio morire|non voglio (?:più )?vivere|quero morrer|je veux mourir|tự tử|muốn chết|không muốn sống|自杀|自殺|不想活|想死|انتحار|أريد أن أموت|αυτοκτον|θέλω να πεθάνω|आत्महत्या|मरना चाहत|जीना नहीं चाहत|자살|죽고 싶/i,
  ],
  family_violence: [
    // Coercive control and fear, as victims describe it.
    /\bwalking on eggshells\b|\b(?:tracks|tracking|checks|monitors) (?:my|where i) (?:phone|location|car|go)\b.{0,40}\b(?:he|she|they|him|her)\b|\bhave to ask (?:his|her|their) permission\b|\b(?:he|she)(?:'?d| would) kill me if\b|\bbruises (?:he|she|they) (?:gave|left)\b|\bthreaten(?:s|ed|ing)? to take (?:the|my) (?:kids|children|baby)\b|\b(?:he|she|they)'?s? (?:watching|following|stalking) me\b/i,
    // Harm, fear and control in other words: injuries, medicines or keys withheld, money taken, not safe to talk.
    /\b(?:he|she|they) (?:cracked|broke|broken|fractured) my\b|\b(?:scratched|bit|burnt|burned|spat on) (?:me|my face)\b|\b(?:scratched|bit) my (?:face|arm|neck)\b|\bwon'?t let me (?:have|take|get) my (?:insulin|meds|medication|medicine|tablets|pills|phone|keys|money|card)\b|\b(?:keeps|hides|takes) my (?:car keys|keys|heart tablets|tablets|medication|meds|insulin|passport)\b|\bonly (?:get|have) (?:them|it) if i behave\b|\btakes? my (?:whole|entire) (?:pay|pension|wage|wages)\b|\b(?:come|coming) (?:for|after) (?:me|us|the kids|my kids)\b|\b(?:scared|afraid|frightened|terrified) to go back (?:to (?:the|my|our) (?:house|unit|flat|place|home)|there)\b|\b(?:it'?s|it is|i'?m) not safe (?:here|to talk)\b|\bcan'?t (?:really )?talk,? (?:he|she|they)'?s? (?:is |are )?(?:in the next room|here|home|listening|right here)\b/i,
    /\b(?:domestic|family) (?:violence|abuse)\b|\bdv\b|\babusive (?:partner|husband|wife|boyfriend|girlfriend|relationship|ex|home|dad|father|mum|mother)\b/i,
    new RegExp(`\\b(?:my|our|the) ${PEOPLE}\\s+(?:\\w+\\s+){0,2}${HARM_VERBS}\\b`, 'i'),
    new RegExp(`\\b(?:he|she|they) ${HARM_VERBS} (?:me|us|the kids|my kids|the children|my children|mum|my mum)\\b`, 'i'),
    /\bscreaming (?:at|and (?:throwing|hitting|smashing))\b|\bthrow(?:s|ing)? things at (?:her|him|me|us|them)\b|\b(?:yelled|screamed|shouted) at and\b|\bshov(?:ed|ing|es) (?:around|her|him|me)\b|\bcontrols? (?:all )?(?:of )?(?:her|his|my|their) (?:money|phone|movements)\b|\bwon'?t let (?:me|her|him) (?:leave|go out|see)\b/i,
    /\b(?:grabbed|choked|strangled|punched|slapped|kicked) me\b|\b(?:checks|goes through|reads) my (?:phone|messages)\b.{0,40}\b(?:won'?t let|not allowed|every)\b|\bwon'?t let me (?:see|talk to|call) (?:my )?(?:friends|family|mum|mom)\b|\btakes? (?:all )?my (?:pay|money|wages|card|pension)\b|\bnot allowed (?:any )?(?:money|out|to leave)\b|\b(?:he|she|they)(?:'?ll| will|'?s going to|'?s gonna| is going to| said (?:he|she|they)'?d| said (?:he|she|they) would| threatened to) (?:kill|hurt|bash|stab|get) (?:me|us|my (?:kids|children|son|daughter|baby))\b|\bhe'?d kill me\b|\bhiding (?:in|from)\b.{0,40}\b(?:him|her|husband|partner|bathroom|wardrobe)\b|\bafraid of what (?:he|she)(?:'?ll| will) do\b/i,
    /\b(?:scared|afraid|frightened|terrified) (?:to go|of going|to be|to return) (?:back )?home\b|\b(?:scared|afraid|frightened|terrified) of (?:my|our) \w+\b|\bnot safe (?:at home|to go home|in my (?:home|house))\b/i,
    /(?:mi (?:esposo|marido|pareja|novio|padre|ex)) me (?:pega|golpea|amenaza|pegó|golpeó)|me golpea|tengo miedo de (?:volver|regresar|ir) a (?:casa|mi casa)|(?:mio marito|il mio compagno|mio padre) mi (?:picchia|ha picchiato|minaccia)|ho paura (?:di tornare a casa|di lui)|chồng tôi (?:đánh|đe dọa)|sợ (?:về|trở về) nhà|(?:他|老公|丈夫|男朋友|爸爸)(?:经常|經常|又)?(?:打|打了)(?:我|我们|我們)|害怕回家|يضربني|يضربنا|زوجي (?:يضرب|يهدد)|أخاف (?:من )?(?:العودة|الرجوع) (?:إلى )?(?:البيت|المنزل)|με (?:χτυπάει|χτύπησε|απειλεί)|φοβάμαι να γυρίσω σπίτι|(?:पति|पिता|बॉयफ्रेंड) मुझे (?:मारता|मारते|पीटता|पीटते|धमकी)|मुझे (?:पीटता|पीटते)|घर (?:जाने|लौटने) से डर|kocam beni (?:dövüyor|dövdü|tehdit)|aile içi şiddet|남편이 (?:때려|때린)|가정 ?폭력/i,
    /violencia (?:doméstica|domestica|familiar)|violenza domestica|bạo lực gia đình|家暴|家庭暴力|العنف الأسري|ενδοοικογενειακή βία|घरेलू हिंसा|me pega|mi picchia|đánh tôi|打我|يضربني|με χτυπάει|मुझे मारता/i,
  ],
  abuse_neglect: [
    // A child or a dependent person harmed, confined, deprived or preyed on.
    /\b(?:son|daughter|kid|child|boy|girl|baby|him|her)\b.{0,25}\b(?:tied|chained|tethered) (?:up|to)\b|\bdragg(?:ed|ing) (?:his|her|their|a|the) (?:little |young )?(?:girl|boy|kid|child|son|daughter|baby)\b|\bby (?:her|his) hair\b|\b(?:1[0-5]|[5-9])[- ]?(?:year|yr)[- ]old\W{0,3}(?:girlfriend|boyfriend)\b|\b\d{1,2}[- ]?(?:year|yr)[- ]old\b.{0,80}\b(?:on (?:his|her) lap|into the bedroom|touch(?:ed|ing)? (?:her|him))\b|\b(?:takes?|taking|took|steals?|stealing|stole) (?:all of |all |the whole of )?(?:his|her|their) (?:whole |entire )?(?:pay|money|pension|savings|card|wages)\b|\bmakes? (?:her|him|them) sleep (?:on the floor|outside|in the (?:shed|garage|car))\b|\blocks? (?:her|his|their|my) (?:bedroom )?door from (?:the )?outside\b|\btakes? (?:away )?(?:her|his|their) (?:walker|wheelchair|walking frame|hearing aids?)\b|\b(?:kids?|children)\b.{0,25}\b(?:filthy|skinny|malnourished|unfed)\b/i,
    /\b(?:child|kid|elder|elderly|sexual|sexually|physical|physically|emotional|financial)\s+(?:abuse|abused|neglect|neglected|assault|assaulted)\b/i,
    /\b(?:abus(?:e|ed|ing)|neglect(?:ed|ing)?|molest\w*|groom(?:ing|ed)|assault(?:ed|ing)?|rap(?:e|ed|ing))\b(?!.*\b(?:of (?:the )?(?:parking|system|power|process|process))\b)/i,
    /\b(?:kids?|children|child|baby|toddler|bub)\b.{0,40}\b(?:left alone|alone all day|on their own|home alone|not fed|starving|hungry all the time|being hit|being hurt|bruises?|locked (?:in|out)|screaming)\b/i,
    /\b(?:left alone|home alone|locked (?:in|out)|bruises?)\b.{0,40}\b(?:kids?|children|child|baby|toddler)\b/i,
    /\bbruis(?:e|es|ed|ing)\b(?!.{0,15}\b(?:fruit|apples?|bananas?)\b)|\block(?:s|ed)? (?:him|her|them|the kids?|the children|me) (?:out|in)\b|\b(?:taking|stealing|took|stole) (?:all )?(?:his|her|their) (?:money|pension|savings|card)\b|\b(?:carer|caretaker|son|daughter|nephew|grandson)\b.{0,40}\b(?:taking|stealing|hitting|hurting|yelling at|locking)\b/i,
  ],
  welfare: [
    // A home gone quiet, or a smell: what neighbours notice first.
    /\bcurtains (?:haven'?t|have not|not) (?:opened|moved|been opened)\b|\b(?:a |an |the )?(?:awful |bad |terrible |strange )?smell (?:coming )?from (?:the |next door|her|his|their|number|no\.?|unit|flat)\b|\b(?:dog|cat)\b.{0,30}\b(?:barking|crying|howling|meowing)\b.{0,40}\b(?:days|all night|nobody|no one|no-one)\b/i,
    // Signs someone is in trouble: the door not answered, an alarm going, a fall, a cry for help, someone lost or in the water.
    /\b(?:isn'?t|is not|not|hasn'?t been|won'?t|wont) (?:coming|come|answering|answer) (?:to )?the door\b|\b(?:alarm|machine|oxygen)\b.{0,30}\b(?:beeping|alarming|going off)\b|\b(?:letterbox|mailbox)\b.{0,30}\b(?:spilling|overflowing|stuffed|full)\b|\b(?:porch light|lights?|tv|radio)(?:'s| has| have)? been on (?:for )?(?:\w+ ){0,2}(?:days|nights)\b|\b(?:her|his) legs on the floor\b|\b(?:see|saw) (?:her|him|someone|somebody)\b.{0,30}\bon the floor\b|\bfallen (?:over |down )?and (?:can'?t|couldn'?t|cannot) (?:get up|reach|move)\b|\bthe line went dead\b|\b(?:yelling|screaming|calling|crying|shouting|yelled|screamed|called) (?:out )?(?:for|4) help\b|\bwander(?:ed|s) (?:off |onto |into |on )(?:the )?(?:train )?(?:tracks|road|highway|freeway|line|traffic)?\b|\b(?:nightie|nightdress|pyjamas|dressing gown|slippers)\b.{0,60}\b(?:asking for|lost|confused|wander\w*|degrees|freezing|tracks|road)\b|\bstanding in the (?:river|sea|water|surf|lake|creek)\b|\bfully clothed\b.{0,40}\b(?:river|water|sea|surf|lake|creek|weir)\b/i,
    /\b(?:haven'?t|have not|havent|hasn'?t|has not|not) (?:seen|heard from)\b.{0,60}\b(?:days?|week|weeks|while|ages|since)\b/i,
    /\b(?:mail|post|letters|newspapers?|papers|parcels)\b.{0,30}\b(?:piling|piled|building|stacking) up\b/i,
    /\b(?:worried|concerned|worry|scared) (?:about|for)\s+(?:my|our|the|an|a|this)?\s*(?:elderly|old|older|frail|vulnerable|disabled|sick|lonely)?\s*(?:neighbou?r|man|woman|lady|bloke|guy|person|mum|mother|dad|father|nan|gran|grandma|grandpa|friend|resident|tenant|kid|child|boy|girl)\b/i,
    /\bwelfare check\b|\b(?:not|isn'?t|hasn'?t been) answering (?:the|her|his|their)? ?(?:door|phone)\b|\b(?:unconscious|not breathing|unresponsive|passed out)\b/i,
    /\b(?:man|woman|lady|bloke|guy|person|someone|somebody|he|she|kid|child|elderly|old|neighbou?r)\b.{0,30}\b(?:collapsed|lying (?:on|in) the (?:ground|floor|street|road|gutter|footpath))\b/i,
    /\b(?:nobody|no one|no-one|noone)\b.{0,20}\b(?:has |have |had )?(?:seen|heard from|checked on|checking on|been checking on|visited)\b|\b(?:hasn'?t|has not|haven'?t|not) (?:eaten|been eating|had (?:any )?food)\b/i,
    /\b(?:vulnerable|confused|wandering|dementia)\b.{0,40}\b(?:neighbou?r|man|woman|person|lady|resident|alone|lost)\b/i,
  ],
  homelessness: [
    /\bcouch ?surfing\b|\bno roof over (?:my|our) heads?\b|\bsleep(?:ing)? (?:at|in) the (?:train |bus )?station\b|\b(?:sleeping|slept|living) in (?:my|our|the) (?:ute|van|tent|car) (?:with|and) (?:the |my |our )?(?:kids|children|baby|dog)\b/i,
    // Nowhere to sleep tonight, in other words.
    /\bnowhere (?:else|for tonight|tonight|tonite|2nite|to go|to sleep|to stay|at all)\b|\b(?:literally|absolutely|got|have|has) nowhere\b|\bwhere (?:do|can|should|will) (?:i|we) (?:go|sleep|stay) (?:tonight|tonite|2nite)\b|\b(?:kicked|thrown|chucked|turfed|booted) (?:me|us|them|her|him) out\b|\bchucked (?:all )?(?:my|our) (?:stuff|things|belongings)\b|\bemergency (?:bed|beds|accommodation|housing|shelter)\b|\bsleep(?:ing)? (?:in|at|under) (?:a|the|my) (?:park|beach toilets|toilets?|car|bus shelter|station|bridge|doorway|tent)\b.{0,40}\b(?:tonight|tonite|2nite)\b|\b(?:tonight|tonite|2nite)\b.{0,40}\bsleep(?:ing)? (?:in|at|under) (?:a|the|my) (?:park|toilets?|car|bus shelter|station|bridge|doorway)\b|\bsleeping in (?:a|the|my) park\b/i,
    /\bhomeless\w*|\bsleep(?:ing)? rough\b|\bsleeping (?:in (?:my|the|a) car|on the street|in the park|outside)\b|\bliving (?:in|out of) (?:my|the|a) car\b/i,
    /\bnowhere (?:to|safe to) (?:sleep|stay|go|live)\b|\bno(?:where| place| roof)? (?:to sleep|to stay) tonight\b|\bon the street(?:s)? tonight\b/i,
    /\b(?:evicted|kicked out|thrown out|chucked out)\b.{0,40}\b(?:today|tonight|now|home|house|place|flat|unit|rental)?\b/i,
    /no tengo (?:dónde|donde) dormir|durmiendo en (?:el|mi) (?:coche|carro|auto)|non ho (?:dove|un posto dove) dormire|dormo in macchina|không có chỗ (?:ngủ|ở)|ngủ ngoài đường|没(?:有)?地方(?:住|睡)|沒(?:有)?地方(?:住|睡)|露宿|睡在车里|睡在車裡|ليس لدي مكان (?:للنوم|أنام)|مشرد|δεν έχω πού να (?:μείνω|κοιμηθώ)|सोने की जगह नहीं|evsiz|kalacak yerim yok|노숙/i,
    /sin hogar|senza casa|senzatetto|vô gia cư|无家可归|بلا مأوى|άστεγ|बेघर/i,
  ],
  threat: [
    /\bthreaten(?:s|ed|ing)? to shoot\b|\bshoot (?:up|the place)\b|\bfollowing (?:me|us|her|him|kids|children) (?:with|and)\b|\bexpos(?:ed|ing) (?:him|her)self\b|\bthrowing (?:rocks|bricks|stones|bottles) at (?:cars|people|kids|us|the)\b/i,
    // Something held up as a weapon at people, whatever it is.
    /\b(?:waving|wielding|brandishing|swinging|pointing)\b.{0,30}\b(?:cleaver|knife|machete|syringe|needle|hammer|bat|bottle|screwdriver|crowbar|it around)\b|\b(?:held|holding) (?:a|an|the) (?:syringe|needle|cleaver|knife|screwdriver|blade|broken bottle)\b.{0,30}\b(?:face|throat|neck|at)\b|\b(?:jab|stab|cut|slash) (?:him|her|them|me|people|someone)\b/i,
    /cuchillo|pistola|\barma\b|coltello|con una pistola|con dao|cầm dao|khẩu súng|持刀|拿着刀|拿著刀|有枪|有槍|سكين|مسدس|μαχαίρι|όπλο|चाकू|बंदूक|bıçak|silah/i,
    /\b(?:knife|knives|gun|guns|firearm|rifle|pistol|machete|weapon|weapons|sword|axe|bomb|explosive)\b(?!\s*(?:crime )?(?:amnesty|licen[cs]e|club|range|skills?|class(?:es)?|of mass destruction|sharpening))(?<!\b(?:toy|my own|cooking|kitchen|whittling|pocket|butter|bread) (?:knife|knives|gun|guns|sword|swords|weapon|weapons|axe))/i,
    /\b(?:going to|gonna|gunna|threaten(?:ed|ing|s)? to|will) (?:kill|hurt|shoot|stab|bash|attack|bomb)\b|\b(?:stabb(?:ed|ing)|shooting|shot at)\b/i,
    /\b(?:attacking|assaulting|bashing|beating up|threatening) (?:people|someone|a (?:man|woman|kid|person)|kids|passers?-?by)\b|\bfight(?:ing)? with (?:a )?(?:knife|weapon|bat|bottle)\b/i,
  ],
};

/** Council words that make a "violent"/"dead" reading something else ("violent storm", "dead tree"). */
const NOT_A_PERSON_AT_RISK = /\b(?:weeds?|grass|battery|phone|car|engine|laptop|computer|wifi|plants?|trees?|bins?|portal|website|site|app|online|form|forms|hold music|queue|logged me out)\b/i;

export function riskIn(text: string): RiskKind | undefined {
  const clean = text.replace(/[’‘]/g, "'");
  for (const [kind, patterns] of Object.entries(PATTERNS) as Array<[Exclude<RiskKind, 'unspecified'>, RegExp[]]>) {
    if (!patterns.some((p) => p.test(clean))) continue;
    // "my phone is killing me", "the weeds are killing me": not a person at risk.
    if (kind === 'self_harm' && /\bkill(?:ing)? me\b/i.test(clean) && NOT_A_PERSON_AT_RISK.test(clean) && !/\bsuicid|\bmy ?self\b/i.test(clean)) continue;
    return kind;
  }
  return undefined;
}

export function isSafeguarding(text: string): boolean {
  return riskIn(text) !== undefined;
}
