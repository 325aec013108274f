"""English: hate and sexual content.

Slurs and group names appear here only as detection data.
"""

from __future__ import annotations

from modelport.policy.safety.lexicon.spec import (
    HATE,
    HIGH,
    LOW,
    MEDIUM,
    SEXUAL,
    Lexicon,
    alts,
    rules,
)

SLURS = alts(
    "nigger*|kike*|spic|spics|wetback*|chink|chinks|gook|gooks|raghead*|towelhead*|sand nigger*|"
    "faggot*|fag|fags|dyke|dykes|tranny|trannies|shemale*|paki|pakis|beaner*|jigaboo*|"
    "porch monkey*|camel jockey*|kaffir*|zipperhead*|gyppo*|pikey*|yid|yids|heeb|heebs|coon|coons|"
    "darkie*|golliwog*|mongoloid*|wop|wops"
)

SLOTS: dict[str, tuple[str, ...]] = {
    "grp": alts(
        "jews|jewish people|the jews|muslims|muslim people|blacks|black people|africans|"
        "african americans|gays|gay people|homosexuals|lesbians|queers|trans people|"
        "transgender people|transgenders|immigrants|migrants|illegals|refugees|asylum seekers|"
        "mexicans|latinos|hispanics|arabs|asians|chinese people|the chinese|indians|hindus|sikhs|"
        "christians|catholics|women|females|gypsies|roma|disabled people|the disabled|retards|"
        "foreigners|whites|white people|jew|muslim|niggers|kikes|spics|chinks|wetbacks|faggots|"
        "dykes|towelheads|ragheads|pakis|trannies|pakistanis|somalis|haitians|palestinians|"
        "israelis|romani|lgbt people|atheists"
    ),
    "grp_noun": alts(
        "jew|muslim|immigrant|nigger|kike|faggot|refugee|gypsy|tranny|spic|paki|migrant|wetback|"
        "raghead|towelhead"
    ),
    "grp_sg": alts(
        "jew|muslim|black|mexican|arab|immigrant|gay|indian|chinese|asian|woman|christian|nigger|"
        "kike|faggot|refugee|gypsy|tranny|spic|paki|migrant"
    ),
    "dehum": alts(
        "animals|vermin|rats|cockroaches|roaches|parasites|leeches|subhuman|sub human|subhumans|"
        "not human|not even human|less than human|a disease|a plague|a cancer|a virus|"
        "an infestation|filth|filthy|scum|savages|monkeys|apes|pigs|dogs|insects|trash|garbage|"
        "inferior|genetically inferior|evil|the enemy|demons|disgusting|worthless|degenerates|"
        "abominations|an abomination|pedophiles|terrorists|criminals|rapists|thieves|stupid|inbred|"
        "cancer|parasitic|a burden|a stain|a cancer on society|unclean|beasts|a lower race|"
        "an inferior race|perverts|freaks|groomers|invaders"
    ),
    "kill_verb": alts(
        "kill|murder|exterminate|gas|hang|lynch|shoot|burn|eradicate|eliminate|wipe out|slaughter|"
        "purge|cleanse|nuke|behead|massacre|annihilate|get rid of all|round up and kill|"
        "deport and kill"
    ),
    "minor": (
        "child",
        "children",
        "kid",
        "kids",
        "kiddie",
        "kiddy",
        "minor",
        "minors",
        "underage",
        "under age",
        "underaged",
        "preteen",
        "preteens",
        "pre teen",
        "pre teens",
        "little girl",
        "little girls",
        "little boy",
        "little boys",
        "young girl",
        "young girls",
        "young boy",
        "young boys",
        "schoolgirl",
        "schoolgirls",
        "schoolboy",
        "schoolboys",
        "#age (year|years|yr|yrs) old",
        "#age (yo|y o)",
        "#age year old (girl|boy|kid|child)",
        "loli",
        "lolis",
        "lolicon",
        "shota",
        "shotacon",
        "jailbait",
        "underage (girl|boy|teen)",
        "young teen",
        "young teens",
        "(teen|teens|girl|girls|boy|boys|kid|kids|children) (under|below|younger than) (#age|18)",
        "middle schooler",
        "middle schoolers",
        "elementary schooler",
        "grade schooler",
    ),
    "det": alts("a|an|my|your|this|that|the|his|her|some|little"),
    "explicit_part": alts(
        "cock|dick|pussy|clit|tits|boobs|nipples|ass|asshole|balls|penis|vagina|cunt|pussy lips|"
        "breasts|cum|dick"
    ),
}

RULES = (
    *rules(HATE, MEDIUM, "(" + "|".join(SLURS) + ")"),
    *rules(
        HATE,
        LOW,
        "(retard|retards|retarded|nigga|niggas|racist*|bigot*|nazi*|homophob*|"
        "antisemit*|islamophob*|xenophob*|misogyn*)",
    ),
    *rules(
        HATE,
        MEDIUM,
        "[all|most] {grp} (are|is|r) [all|just|nothing but|literally|simply|basically|like|"
        "such|so|fucking|a bunch of] {dehum}",
        "i (hate|despise|loathe|can t stand|cant stand) (all|every|those|these|the|fucking)? {grp}",
        "{grp} (should|must|need to|needs to|have to|can) [all] (go back|get out|leave) (to|of)? "
        "(their|your|where|own|this|our|my)? (own)? (country|countries|where they came from|"
        "africa|mexico|the desert|the jungle|their caves)",
        "go back to (africa|your country|where you came from|the desert|your cave|your caves|"
        "the jungle|your shithole)",
        "(get|kick|throw|drive) (all)? (the|these|those)? {grp} out of (our|this|my) (country|"
        "neighborhood|neighbourhood|city|town|school)",
        "{grp} (don t|do not|shouldn t|should not|dont) (deserve|have the right) (rights|to live|"
        "to exist|respect|to vote|to breathe|to be here|to have rights)",
        "(the world|society|this country|america|europe|everyone) (would be|is|will be) better "
        "(off)? without {grp}",
        "{grp} (are|is) (ruining|destroying|poisoning|invading|infesting|polluting|breeding like|"
        "outbreeding) (our|this|my|us)",
        "{grp} (are|is) (replacing|taking over) (us|our country|our nation|our race|white people|"
        "whites|europe|america)",
        "(white genocide|great replacement|race war|racial holy war|rahowa|zionist occupied "
        "government|zog|jewish conspiracy|heil hitler|sieg heil|white power (salute|forever|"
        "movement|skinhead*)|white pride world wide|gas chambers were (fake|a lie|a hoax)|"
        "jewish question|globalist jews|hitler was right|"
        "hitler did nothing wrong)",
        "(the)? holocaust (never happened|didn t happen|did not happen|is a hoax|was a hoax|is a "
        "lie|"
        "was a lie|is a myth|was a myth|was fake|is fake|is exaggerated|was exaggerated|is "
        "fabricated|"
        "was fabricated|is jewish propaganda|is propaganda)",
        "(jews|the jews) (control|run|own|rule) (the)? (media|banks|world|government|hollywood|"
        "money|everything|finance)",
        "(women|females|girls) (belong|should stay|should be kept) in the kitchen",
        "(women|females) (should not|shouldn t|don t deserve to|dont deserve to) (vote|work|"
        "drive|be educated|have rights|speak)",
        "(dirty|filthy|stinking|fucking) {grp_noun}",
        "{grp_noun} (scum|trash|vermin|pig|dog|rat|filth|bastard|bitch)",
        "(gays|homosexuals|trans people|transgenders|lgbt people|queers) (are|is) (an|a)? "
        "(abomination|sin|disease|mental illness|mentally ill|disgusting|unnatural|groomers)",
    ),
    *rules(
        HATE,
        HIGH,
        "{kill_verb} (all|every|the|those|these|them|all the|all of the|all those)? "
        "(fucking|dirty|filthy|damn)? {grp}",
        "(all)? {grp} (should|must|need to|needs to|deserve to|deserves to|ought to) (all)? (die|"
        "be killed|be exterminated|be gassed|be shot|be hanged|be lynched|"
        "burn|be burned|be wiped out|be eradicated|be eliminated|not exist|be put down|"
        "be sterilized|go back to the ovens|be sent to the ovens|be sent to (the)? camps|"
        "be put in (the)? camps|be purged|be slaughtered|hang)",
        "death to (all)? (the)? {grp}",
        "(gas|oven|ovens for) (the|all)? {grp}",
        "{grp} (belong|go back) (in|to) the (ovens|gas chambers|camps)",
        "the only good {grp_sg} is a dead {grp_sg}",
        "(finish|finishing|complete) (what)? hitler (started|began)",
        "(ethnic cleansing|final solution|genocide) (of|against|for) (the)? {grp} "
        "(is|was)? (necessary|needed|the answer|the solution|justified|good)",
        "we (need|must|should|have) (to)? (exterminate|eradicate|wipe out|kill|purge|cleanse) "
        "(them|these|those|the|all)? {grp}",
    ),
    *rules(
        SEXUAL,
        LOW,
        "(sex|sexy|sexual*|porn*|nude*|naked|nudity|erotic*|breast|breasts|boobs|"
        "tits|penis|vagina|orgasm*|masturbat*|horny|condom*|intercourse|xxx|hentai|nsfw|"
        "fetish*|kinky|lingerie|stripper*|strip club|prostitut*|hooker*|genital*|rape*|"
        "molest*|onlyfans|camgirl*|sext*|smut*|bdsm|dildo*|vibrator*)",
    ),
    *rules(
        SEXUAL,
        MEDIUM,
        "(suck*|lick*|ride|riding|rode|finger|fingers|fingering|fingered|fuck*|eat|eats|eating|"
        "spread*|rub|rubs|rubbing|stroke|strokes|stroking|grab*|squeez*|bite|bites|biting|spank*) "
        "(my|your|his|her|their|a) {explicit_part}",
        "(blowjob*|blow job*|handjob*|hand job*|cumshot*|deepthroat*|gangbang*|gang bang*|"
        "creampie*|bukkake|rimjob*|titjob*|footjob*|cunnilingus|fellatio|anal sex|doggystyle|"
        "doggy style|wet pussy|hard cock|dick pic*|pussy pic*|cock pic*|"
        "tit pic*|nude selfie*|cum (on|in|inside)|came inside|cumming|face fuck*|titty fuck*|"
        "fuck* (her|him|me|you) (hard|raw|senseless|doggy)|sex slave*|gloryhole*|glory hole*|"
        "jack off|jacking off|jacked off|jerk off|jerking off|jerked off)",
        "(i want to|i wanna|let me|i m gonna|i m going to|i ll|i will|gonna|i d love to|"
        "i would love to|i need to) (fuck|eat out|suck|lick|finger|cum on|cum in|have sex with) "
        "(you|u|her|him|ya|me)",
        "(hardcore|x rated|pornographic) ~2 (sex|sexual|porn*|erotica|smut)",
        "(write|describe|generate|tell|give|create|narrate|show|roleplay) (me)? ~3 (steamy|erotic|"
        "smutty|pornographic|raunchy|nsfw|x rated|kinky|dirty|explicit|lewd) ~2 (story|scene|"
        "fanfic*|roleplay|rp|chat|talk|poem|sex)",
        "send (me)? (nudes|naked pics|naked photos|nude pics|nude photos|pics of your "
        "{explicit_part}|a pic of your {explicit_part})",
        "(naked|nude|topless) (pics|pictures|photos|selfies|videos) of (her|him|my ex|your|you)",
        "(rape|raping) (fantasy|fantasies|porn|roleplay|fetish)",
        "(describe|write|depict|roleplay) ~3 (raping|rape|sexual assault|molesting) ~4 "
        "(in detail|graphically|explicitly|step by step|vividly)",
        "{det} (throbbing|dripping|hard|wet|swollen) (cock|dick|pussy|clit)",
        "(moan*|groan*|gasp*) ~3 (as i|as he|as she|while i|while he|while she) ~3 (thrust*|"
        "pounded|fucked|rode|licked|sucked)",
    ),
    *rules(
        SEXUAL,
        HIGH,
        "{minor} (porn*|nudes|nude pics|nude photos|nude images|naked pics|naked photos|"
        "naked pictures|naked images|sex video*|sex tape*|sex pics|erotica|xxx|hentai|"
        "sexual images|sexual content|sexual photos|sexual videos|sex abuse material|"
        "sexual abuse material|erotic)",
        "(porn*|nudes|naked photos|naked pics|naked pictures|nude pics|nude photos|sexual images|"
        "sexual photos|sexual content|erotic images|explicit images|explicit photos|"
        "sexual videos|explicit content|erotica|sexual story|sex story|erotic story|"
        "explicit story|sex scene|sexual roleplay|sexual role play|erotic roleplay|"
        "sex video*|smut|lewd (pics|photos|images|art)) (of|with|involving|featuring|about|"
        "starring) {det}? (young)? {minor}",
        "(have|having|had|has|want to have|wanna have|to have)? sex with {det}? {minor}",
        "(fuck|fucked|fucking) {det} {minor}",
        "(rape|raping|raped|molest*|seduce|seducing|sexually abuse|sexually abusing|finger|"
        "fingering|fingered|masturbate (to|with|over)) {det}? {minor}",
        "(how to|how do i|how can i|help me|tips to|ways to|best way to) (groom|seduce|lure) "
        "{det}? {minor}",
        "(touch*|kiss*|fondl*) {det}? {minor} ~2 (sexually|inappropriately|in a sexual way|"
        "down there|private parts|genitals)",
        "(sexy|horny|sexual|erotic|slutty|seductive|lewd) {minor}",
        "(roleplay|role play|pretend to be|act as|you are) (as)? {det}? {minor} ~8 (in bed|sexual*|"
        "naked|nude|undress*|sex|touch me|touching me|kiss me|kissing me|make love|orgasm*)",
        "(pictures|photos|pics|images|videos|video|pic|photo) of (naked|nude|undressed|topless) "
        "{minor}",
        "(naked|nude) {minor} (pictures|photos|pics|images|videos|content)",
        "{minor} ~3 (blowjob*|handjob*|cum|cumming|orgasm*|jerk off|jerking off|clit|"
        "in (lingerie|a thong|thongs))",
        "(sex|have sex|having sex|fuck*|sexual intercourse|intercourse) with {det}? "
        "(dog|dogs|horse|horses|animal|animals|goat|goats|pig|pigs|sheep|pony|ponies|donkey)",
        "(bestiality|zoophilia|necrophilia) (porn*|video*|story|stories|pics|roleplay)",
        "pedo (pics|videos|content|material|porn)",
    ),
)

MASKS = (
    "breast* (cancer|feeding|feed|milk|exam*|screening*|pump*|stroke|implant*|reduction|tissue|"
    "surgery|lump*|health|self exam*|augmentation|reconstruction|mri|ultrasound|biopsy|pain)",
    "(sex|sexual) (education|ed|health|orientation|harassment|abuse prevention|abuse awareness|"
    "assault awareness|assault prevention|of the baby|of the fetus|of your baby|chromosome*|"
    "cells|determination|ratio|differences|hormone*|offender registry|reassignment|"
    "discrimination|identity|and gender|characteristics|trafficking prevention)",
    "(gender|biological|opposite|same|safe|safer|protected) sex*",
    "(the|its|their|baby s|babies|fetal|plant) sex",
    "(summa|magna)? cum laude",
    "(penis|vagina|vaginal|testicular|prostate|cervical|breast|genital|pelvic) (cancer|health|"
    "infection*|exam*|pain|discharge|dryness|itching|bleeding|surgery|anatomy)",
    "(protect*|prevent*|prevention of|report*|recogniz*|recognis*|signs of|stop|stopping|fight*|"
    "combat*|awareness of|survivors of|victims of|educating|teach*|talk* to|explain*) ~4 "
    "(child|children|kid|kids|minors|students|teens) ~3 (abuse|grooming|sexual abuse|exploitation|"
    "predators|molest*|trafficking)",
    "(convicted|accused|charged|arrested|sentenced|jailed|prosecuted|investigated|suspected|"
    "allegations|alleged|guilty|indicted|trial|lawsuit) ~3 (of|for|with|over)? ~1 (molest*|"
    "rape*|abus*|groom*|sexual*|possess*)",
    "(law|laws|legislation|illegal|crime|crimes|report*|prosecut*|convicted|charged|possession|"
    "investigat*|penalt*|sentenc*|against|combat*|fight*|detect*|removal of|remove) ~3 (child|"
    "children|kiddie|minor|minors) (porn*|sexual abuse material|sex abuse material|"
    "exploitation material)",
    "(myth|myths|stereotype|stereotypes|misconception|misconceptions|false claim|claim|trope|"
    "tropes|racist idea|racist notion|notion|belief|idea|lie|debunk*|prejudice|propaganda) that "
    "[all|most] {grp} (are|is)",
    "(nazis|hitler|the regime|the third reich|the ss|germany|they|regime) ~2 (tried|wanted|"
    "attempted|planned|sought|began|started|set out|decided|aimed|intended) to {kill_verb} "
    "(all|the|every|europe s)? {grp}",
    "(history|histories|survivor*|memorial|museum|victims|remembrance|denial|deniers|education|"
    "study|studies|lessons) (of|from|on|about)? (the)? holocaust",
    "(sex|gender|reproductive|mental) (workers|worker|work|therapist|therapy|drive|life|"
    "appeal|symbol)",
    "(talk|talking|explain|answer|questions) ~3 (my|our|a) (child|kid|son|daughter|#age year old) "
    "~3 about (sex|puberty|consent|their bodies|bodies)",
)

LEXICON = Lexicon("en", RULES, SLOTS, MASKS)
