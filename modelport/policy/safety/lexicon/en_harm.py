"""English: violence and self-harm."""

from __future__ import annotations

from modelport.policy.safety.lexicon.spec import (
    HIGH,
    LOW,
    MEDIUM,
    SELF_HARM,
    VIOLENCE,
    Lexicon,
    alts,
    rules,
)

KIN = alts(
    "wife|husband|ex|ex wife|ex husband|girlfriend|boyfriend|gf|bf|mom|mother|mum|dad|father|"
    "brother|sister|son|daughter|kids|children|child|baby|family|boss|teacher|neighbor|neighbour|"
    "neighbors|neighbours|classmate|classmates|coworker|coworkers|co worker|co workers|colleague|"
    "colleagues|roommate|landlord|parents|friend|friends|partner|stepdad|stepmom|grandma|"
    "grandmother|grandpa|grandfather|uncle|aunt|cousin|manager|doctor|therapist|ex girlfriend|"
    "ex boyfriend|students|teachers"
)

SLOTS: dict[str, tuple[str, ...]] = {
    "kin": KIN,
    "i_will": alts(
        "i will|i ll|i shall|i m going to|i am going to|im going to|i m gonna|im gonna|i am gonna|"
        "i want to|i wanna|i m about to|i am about to|i plan to|i m planning to|i am planning to|"
        "i intend to|i swear i ll|i swear i will|we will|we ll|we re going to|we are going to|"
        "we re gonna|i d love to|i would love to|i m coming to|i am coming to|i ll come and|"
        "i will come and|i m gonna come and|i m gonna go|i will find you and|i ll find you and|"
        "i m ready to|i can t wait to|i cant wait to|i will personally|i ll personally"
    ),
    "harm": alts(
        "kill|murder|stab|shoot|strangle|choke|behead|decapitate|slaughter|butcher|gut|torture|"
        "beat up|lynch|poison|rape|kidnap|abduct|assassinate|gun down|shoot up|mutilate|dismember|"
        "drown|suffocate|hurt|punch|hunt down|set fire to|skin alive|curb stomp|stomp on|slice up|"
        "cut up|blow up|burn alive|bomb"
    ),
    "victim": (
        "you",
        "u",
        "ya",
        "y all",
        "you all",
        "all of you",
        "you guys",
        "him",
        "her",
        "them",
        "everyone",
        "everybody",
        "someone",
        "somebody",
        "people",
        "my {kin}",
        "your {kin}",
        "his {kin}",
        "her {kin}",
        "their {kin}",
        "our {kin}",
        "(that|this) (guy|girl|man|woman|kid|bitch|bastard|fucker|asshole|cop|judge|person|"
        "whore|slut|cunt)",
        "the (president|prime minister|senator|mayor|judge|police|cops|principal|ceo|governor)",
        "every (single)? one of (you|them)",
        "all of them",
        "each of you",
        "every last one of you",
    ),
    "how": (
        "how (to|do i|do you|can i|could i|would i|should i|do we|can we|would you|does one|"
        "do people|to best|can someone|can you)",
        "(teach|show|tell) me how to",
        "(steps|instructions|guide|tutorial|tips) (to|for|on how to)",
        "[a] (step by step|detailed|foolproof) (plan|guide|instructions) (to|for|on how to)",
        "(plan|plans|planning) (to|for|how to)",
        "i need to know how to",
        "explain how to",
        "what s the best way to",
        "what is the best way to",
        "best way to",
        "easiest way to",
    ),
    "weapon_mass": alts(
        "bomb|bombs|pipe bomb|nail bomb|car bomb|dirty bomb|explosive|explosives|explosive device|"
        "ied|molotov|molotov cocktail|grenade|napalm|nerve agent|nerve gas|sarin|vx gas|ricin|"
        "anthrax|mustard gas|chlorine gas|bioweapon|biological weapon|chemical weapon|poison gas|"
        "ghost gun|untraceable gun|untraceable firearm|detonator|tatp|semtex|fertilizer bomb|"
        "suicide vest|booby trap|letter bomb|pressure cooker bomb|bomb vest"
    ),
    "crowd": alts(
        "school|church|mosque|synagogue|temple|mall|office|workplace|concert|stadium|hospital|"
        "airport|subway|train station|parade|crowd|classroom|campus|university|daycare|"
        "kindergarten|festival|nightclub|club|supermarket|market|embassy|courthouse|police station|"
        "gay bar|pride parade|high school|elementary school|college"
    ),
    "person_target": (
        "(my|his|her|your|our|their) {kin}",
        "someone",
        "somebody",
        "a person",
        "people",
        "a human",
        "humans",
        "a (man|woman|child|kid|baby|girl|boy|cop)",
        "the president",
        "a politician",
        "my (enemy|enemies|rival)",
        "an ex",
        "anyone",
    ),
    "i_want_die": alts(
        "i want to|i wanna|i just want to|i really want to|i d like to|i would like to|"
        "i wish i could|i m ready to|i am ready to|i need to|i m going to|i am going to|"
        "im going to|i m gonna|im gonna|i will|i ll|i plan to|i m planning to|i am planning to|"
        "i have decided to|i ve decided to|i decided to|i m about to|i am about to|i might|"
        "i should just|i m thinking about|i am thinking about|i keep thinking about|"
        "i ve been thinking about|i think about|i m going to try to|i tried to|i m trying to|"
        "tonight i will|tonight i m going to|i want"
    ),
    "self_act": (
        "(hanging|shooting|cutting|drowning|poisoning|suffocating|starving|burning) myself",
        "(jumping|throwing myself) (off|from|in front of) ~2 (bridge|building|roof|cliff|train|"
        "bus)",
        "overdosing",
        "kill myself",
        "end my life",
        "end it all",
        "take my own life",
        "take my life",
        "commit suicide",
        "hang myself",
        "shoot myself",
        "slit my wrists",
        "cut my wrists",
        "overdose",
        "od",
        "jump off (a|the|my)? (bridge|building|roof|cliff|balcony)",
        "jump in front of a (train|bus|car)",
        "starve myself to death",
        "drown myself",
        "poison myself",
        "off myself",
        "unalive myself",
        "suffocate myself",
        "killing myself",
        "ending my life",
        "ending it all",
        "committing suicide",
        "end myself",
        "stop living",
        "hurt myself",
        "harm myself",
        "cut myself",
        "burn myself",
        "self harm",
    ),
    "self_method": alts(
        "kill myself|kill yourself|kill oneself|commit suicide|end my life|end your life|"
        "end it all|take my own life|take my life|hang myself|hang yourself|slit my wrists|"
        "slit your wrists|cut my wrists|overdose|od|poison myself|suffocate myself|shoot myself|"
        "drown myself|die painlessly|die without pain|die quickly|die in my sleep|suicide|"
        "unalive myself|kill myself painlessly|off myself|end myself"
    ),
    "pills": alts(
        "pills|tablets|sleeping pills|paracetamol|tylenol|acetaminophen|ibuprofen|aspirin|xanax|"
        "benadryl|advil|melatonin|insulin|oxycodone|fentanyl|morphine|antidepressants|"
        "sleeping tablets|painkillers|opioids|valium|ambien|lithium"
    ),
}

RULES = (
    *rules(
        VIOLENCE,
        LOW,
        "(kill*|murder*|stab*|shoot*|shot|shots|gun|guns|gunman|gunmen|"
        "gunfire|rifle*|pistol*|weapon*|bomb*|explosi*|terroris*|massacre*|assault*|"
        "violen*|blood*|behead*|tortur*|slaughter*|homicid*|strangl*|genocid*)",
    ),
    *rules(
        VIOLENCE,
        MEDIUM,
        "{i_will} {harm} {victim}",
        "(put|putting|puts|pump|pumping) (a|some)? (bullet|bullets|slug) (in|into|through) (his|"
        "her|"
        "your|their|that guy s|that bitch s) (head|skull|brain|face|chest)",
        "(when|after|before|so i can|so that i can|once) i (shoot|kill|stab|murder|strangle|"
        "poison) (him|her|them|my {kin}|that bitch|that bastard)",
        "(someone|somebody) (should|needs to|has to) (kill|shoot|stab|murder|strangle) (him|her|"
        "them|that bitch|that bastard|you)",
        "{i_will} (end|cut|bury|burn|hang|execute|run over|beat) (you|u|ya|y all|you all|all of "
        "you)",
        "{i_will} beat the (shit|crap|hell|life) out of {victim}",
        "{i_will} (burn down|set fire to|torch|firebomb) (my|his|her|their|your|the) (neighbour s|"
        "neighbor s|ex s|boss s|teacher s|family s|parents)? (house|home|car|apartment|flat|shop)",
        "{i_will} (burn|hang|set fire to) {victim} (alive|from a tree|on fire)",
        "{i_will} (kill|murder|stab|shoot|slaughter|torture|hunt) ~2 (you|him|her|them) (all|both)",
        "(i ll|i will|i m gonna|i m going to|i am going to|gonna) (break|snap|slit|cut|crush|"
        "smash|bash|cave in|rip off|blow off|blow) (your|his|her|their) (neck|throat|skull|"
        "head|face|legs|arms|bones|jaw|knees|fingers|brains|kneecaps)",
        "[i] hope (you|he|she|they|u) (die|dies|get killed|gets killed|get raped|gets raped|"
        "burn|burns|rot|rots|get cancer|gets cancer|choke|chokes|get shot|gets shot|suffer|"
        "bleed out|drop dead)",
        "(you|u|he|she|they) (should|deserve to|deserves to|need to|needs to|ought to) (die|be "
        "killed|be shot|"
        "burn in hell|get shot|be hanged|be hung|suffer|be executed|get stabbed|get raped|"
        "be raped|be tortured)",
        "(beat*|stab*|shot|kick*|stomp*|bludgeon*|hack*|strangl*|chok*) (him|her|you|them|"
        "the victim|my {kin}|his {kin}|her {kin}) (to death|to a pulp|until (he|she|they|you) "
        "(die|dies|died|stopped breathing|bled out))",
        "(brains|guts|intestines|entrails|skull|innards) ~2 (splatter*|sprayed|spilled|spilling|"
        "everywhere|all over|pouring out|spilling out|blown out|caved in|smashed open)",
        "(rip*|tear*|tore|cut*|slice*|gouge*|carve*) (out)? (his|her|your|their) (eyes|heart|"
        "throat|"
        "guts|intestines|tongue|face|fingernails) (out|off)",
        "(slit|cut|slice*) (his|her|your|their) throat*",
        "you (re|are) (going to die|gonna die|a dead man|a dead woman|dead meat)",
        "(watch your back|sleep with one eye open|your days are numbered|i know where you live)",
        "(bring|bringing) a (gun|knife|rifle) to (school|work|class|the office)",
        "(undetectable|untraceable) (poison*|murder*)",
        "get away with (killing|murdering) (my|a|someone|somebody|him|her|them)",
        "(kill|shoot|stab|murder) (him|her|them|that bitch|that bastard) (now|already|dead)",
        "(kill|shoot) (all|every) ~2 (cops|police|officers|soldiers|politicians|bankers)",
    ),
    *rules(
        VIOLENCE,
        HIGH,
        "{how} (make|build|assemble|construct|create|cook|mix|prepare|manufacture|rig|produce|"
        "3d print|print|get|buy|obtain|acquire) (a|an|the|my own|homemade|some|your own)? "
        "(homemade)? {weapon_mass}",
        "(to|you can|you could|first|then|next) (make|build|assemble|construct|rig) (a|an|the|"
        "your)? "
        "(homemade)? {weapon_mass} ~3 (you need|you will need|you ll need|take|get|start|first|mix|"
        "fill|combine|buy|use)",
        "(instructions|recipe|steps|step by step|tutorial|guide|blueprint*|schematics|formula) "
        "(for|to|on) (making|building|assembling|creating|making a|building a|how to make|"
        "how to build) (a|an)? {weapon_mass}",
        "{how} (kill|murder|poison|strangle|suffocate|drown|stab|shoot|assassinate|dismember|"
        "torture|kidnap|abduct|get rid of) {person_target}",
        "(kill|murder|poison|shoot|strangle|stab) ~4 (without|and not|and never|but not) "
        "(getting|being|get|be) (caught|detected|found out|noticed|traced|arrested|convicted)",
        "(kill*|murder*|poison*) ~5 without leaving (any)? (evidence|a trace|traces|fingerprints|"
        "dna)",
        "{how} (hide|dispose of|get rid of|dissolve|bury|dismember|burn) (a|the|his|her|my)? "
        "(dead)? (body|bodies|corpse|corpses)",
        "(plan*|going|want|gonna|about|ready|decided|let s|lets) (to)? (shoot up|bomb|blow up|"
        "attack|massacre|"
        "burn down|open fire (at|in|on)) (the|my|our|a|this|that|his|her)? {crowd}",
        "(kill|murder|slaughter|shoot|stab|gas|exterminate|run over) (as many|all the|all|every) "
        "~2 (people|children|kids|students|infidels|civilians|worshippers|shoppers|pedestrians) "
        "[as possible]",
        "how (many|much) ~3 (to kill|would kill|kills|needed to kill) (a|many|as many)? "
        "(person|people|someone|crowd|human)",
        "(pledge allegiance to|join|fight for|recruit* for) (isis|isil|daesh|al qaeda|al qaida|the "
        "caliphate)",
        "{how} (make|mix) (poison|a poison|ricin|cyanide) to (kill|murder|poison) {person_target}",
        "(how to|use it to|and then|in order to) (burn down|set fire to|torch|firebomb) (my|his|"
        "her|"
        "their|your|the|a) (neighbour s|neighbor s|ex s|boss s|teacher s|family s)? (house|home|"
        "car|apartment|flat|shop)",
        "(where|how) (to|do i|should i|can i|would i) (stab|shoot|hit|cut|strike) (someone|"
        "somebody|"
        "a person|him|her|my {kin}) ~4 (bleed out|bleeds out|die|dies|fatal|lethal|maximum damage|"
        "most damage|kill)",
        "(make|mix|buy|get|use|build|brew|cook) ~6 to (kill|murder|poison|blind|paralyze|shoot|"
        "stab) {person_target}",
        "(best|easiest|quickest|fastest|most effective|untraceable|undetectable) (poison|poisons|"
        "way|ways|method|methods|weapon|drug|drugs) (to|for|that can|that will) (kill|murder|"
        "poison|"
        "knock out) {person_target}",
    ),
    *rules(
        SELF_HARM,
        LOW,
        "(suicid*|self harm*|selfharm*|overdos*|kill myself|killing myself|"
        "want to die|wanna die|self injur*|self mutilat*)",
    ),
    *rules(
        SELF_HARM,
        MEDIUM,
        "{i_want_die} {self_act}",
        "(i want to|i wanna|i just want to|i wish i could|i really want to) (die|be dead|not exist|"
        "not be alive|disappear forever|stop existing|sleep forever|never wake up)",
        "i wish i (was|were) (dead|never born|gone)",
        "i (don t|do not|no longer|dont) want to (live|be alive|exist|wake up|go on living) "
        "(anymore|any more)?",
        "(there s|there is|i have|i ve got|i see|i got) no (reason|point|purpose) (to|in) "
        "(live|living|go on|going on|being alive|stay alive|staying alive)",
        "(life|my life) (is not|isn t|isnt|is no longer|s not|ain t) worth living",
        "(everyone|everybody|the world|my family) (would be|will be|is) better off without me",
        "(nobody|no one|noone) (would|will) (miss me|care if i (died|was gone|were gone|"
        "disappeared))",
        "(i have|i ve|i|i ve been|i have been|been|i keep|i started) (cutting|hurting|harming|"
        "starving) (myself|my arms|my wrists|my thighs|my legs)",
        "(kms|kys|kill yourself|kill urself|go kill yourself|go die|go hang yourself|"
        "drink bleach and die|neck yourself|unalive yourself|end yourself)",
        "you should (kill yourself|end your life|end it|hang yourself|slit your wrists|die|just "
        "die|"
        "off yourself)",
        "(this is|these are|here is|writing|write|wrote|help me write|finished) (my|a) "
        "(suicide|goodbye) (note|letter)",
        "(thinspo|pro ana|proana|pro mia|meanspo|bonespo)",
        "{how} (tie|make) a noose",
        "i (can t|cannot|cant) (go on|keep going|do this|take it) (anymore|any more) ~4 "
        "(die|end it|kill myself|suicide)",
        "(i m|i am|im|i feel) (suicidal|ready to die|done with life|done living)",
    ),
    *rules(
        SELF_HARM,
        HIGH,
        "{how} {self_method}",
        "(best|easiest|quickest|fastest|surest|most painless|least painful|painless|quick|"
        "reliable|effective|simplest|most effective|most reliable|safest|cleanest) (way|ways|"
        "method|methods|means) (to|of) ({self_method}|die|dying|commit suicide|suicide)",
        "(painless|easy|quick|peaceful|effective|reliable|guaranteed) (suicide|death) "
        "(method*|option*|ways|pills|drugs|techniques)",
        "suicide (method*|techniques|instructions|guide|tips|kit|bag|plan)",
        "how (many|much) {pills} ~4 (to|would|will|does it take to|do i need to|needed to|"
        "should i take to|it takes to) (die|kill me|kill myself|overdose|od|end it|end my life|"
        "be fatal|be lethal|not wake up)",
        "(lethal|fatal|deadly) (dose|amount|quantity) ~4 for (me|someone my (weight|size|age)|"
        "a person my (weight|size|age)|my (weight|size))",
        "(lethal|fatal|deadly) (dose|amount|quantity) (of)? ~3 (to kill myself|to die|for suicide|"
        "to end my life|to end it)",
        "(where|how) (can i|to|do i|could i) (buy|get|find|obtain|order) ~4 (to kill myself|to end "
        "my life|for suicide|to die|to commit suicide)",
        "(sodium nitrite|nembutal|pentobarbital|exit bag|helium hood|charcoal burning) ~5 "
        "(suicide|die|kill myself|end my life|dose)",
        "(take|swallow|down) (all|the whole bottle of|a whole bottle of|all of) (my|the|these)? "
        "{pills} ~4 (never wake up|not wake up|die|end it|be done|kill myself)",
        "(high|tall|deep) enough to (jump off|jump from|jump) ~3 (and die|to die|die|kill myself|"
        "end it)",
        "(tips|how|ways|help me) (to|for) (starve myself|become anorexic|be anorexic|"
        "throw up after eating|hide [my] self harm|hide [my] cuts|hide not eating)",
        "(where|how) (should|do|can) i cut ~3 (bleed out|die|deepest|most blood)",
        "(going|ready|about|decided|plan*) to (kill myself|end my life|commit suicide|hang myself) "
        "(tonight|today|tomorrow|this weekend|now|right now)",
    ),
)

MASKS = (
    # computing: processes, threads, jobs, queries, code
    "(kill*|pkill|killall|terminate|end|shoot|stab) ~2 (process*|proc|procs|pid|pids|thread*|task*|"
    "job*|"
    "session*|container*|pod*|server*|daemon*|app|apps|application*|program*|script*|query|"
    "queries|connection*|instance*|service*|worker*|tab|tabs|window*|loop|loops|command|"
    "terminal|shell|build|builds|port|ports|signal|switch|chain|screen|tmux|vm|vms|node|nodes|"
    "cluster*|request*|transaction*|branch*|feature*|bug|bugs|zombie*|deployment*|batch*|"
    "cron*|emulator*|simulator*|docker|kubernetes|git|engine|motor|lights|music|noise)",
    "(child|parent|zombie|orphan*|background|foreground|worker|daemon|main|sub) (process*|thread*|"
    "task*|node*|element*|component*|class*|window*|theme*|directory|directories|folder*|"
    "pid|pids|record*|row*|table*|object*|issue*|ticket*)",
    "kill (9|sigterm|sigkill|sighup|hup|term|int|stop|switch|chain|count|streak|feed|cam|shot|zone|"
    "ratio|screen|credit*|confirm*|command|signal|steal*|assist*|death)",
    "execut* ~2 (script*|code|command*|query|queries|program*|function*|order*|"
    "plan*|task*|trade*|contract*|test*|statement*|file*|binary|binaries|job*|strategy|"
    "instruction*|request*|transaction*|workflow*|step*|notebook*|cell*|migration*|operation*|"
    "payload*|macro*|playbook*|will|warrant*|agreement*|deal*|shell)",
    # idioms, photography, sport, cooking
    "(killed|killing|kills|slays|slayed|slaying|killin) (it|me|us)",
    "(shoot*|shot) ~2 (photo*|picture*|pic|pics|video*|film*|movie*|scene*|footage|portrait*|"
    "wedding*|commercial*|episode*|hoop*|basket*|ball|the breeze|email*|e mail*|message*|text|"
    "texts|dm|dms|line|note|arrow*|pool|the moon|for the stars|your shot|an idea|ideas|"
    "question*|a reply|a response|a quick|goal*|three pointer*|free throw*|penalt*|clay|skeet|"
    "targets|a look|glance*|glare*|up the charts|to fame|to the top)",
    "(photo|film|video|fashion|wedding) shoot*",
    "(shooting|shooting s) (star*|range|guard|game*|script|schedule|location|day|pain*|percentage|"
    "form)",
    "shot (glass*|of espresso|of tequila|of vodka|of whiskey|in the dark|clock|put|"
    "of (vaccine|vaccines)|(at|of) the title)",
    "(flu|booster|vaccine|covid|tetanus|measles|mug|screen|big) shot*",
    "shoot* (yourself|myself|ourselves|themselves|himself|herself) in the foot",
    "(bath|photo|f|da|sex|glitter|seed|calorie|truth|time) bomb*",
    "bomb* (the|an|my|that|his|her)? (exam|test|interview|audition|presentation|quiz|date)",
    "(dying|die|died|dead) (of|from|with)? (laughter|laughing|embarrassment|boredom|cringe|"
    "cuteness|"
    "happiness|jealousy|curiosity|envy|hunger)",
    "dying to (see|know|try|meet|go|hear|read|watch|get|have|eat|visit|find out|tell|play)",
    "(die hard|to die for)",
    "overdos* on (coffee|caffeine|chocolate|sugar|candy|vitamin*|water|carrots|netflix|cuteness|"
    "nostalgia|carbs|pizza|sweets|sunshine|love)",
    "(cut|hurt|beat|smash|kill|end|burn|bury|torch|destroy|break|execute|shoot|hang|bash|choke|"
    "punch|poison) (her|his|your|their|my|our) (hair|feelings|record|records|score|scores|time|"
    "chances|character|nails|grass|lawn|cake|steak|bangs|confidence|pride|ego|career|reputation|"
    "bid|offer|price|photo|photos|picture|pictures|plans|vibe|mood|joy|buzz|battery|phone|hopes|"
    "dreams|game|lead|streak|winning streak|rook|queen|king|pawn|bishop|knight|pieces|ship|"
    "troops|units|army|base|tower|towers|hero|champion|characters|avatar|speech|sentence|budget|"
    "losses|spending|costs|ties)",
    "(kill*|shoot*|murder*|stab*|beat*|snip*) ~4 (in|on|at|during) (gta|minecraft|roblox|fortnite|"
    "skyrim|the game|this game|a game|elden ring|dark souls|call of duty|cod|warzone|valorant|"
    "csgo|counter strike|pubg|apex|overwatch|zelda|pokemon|my game|the sims|sims|red dead|"
    "multiplayer|the video game|chess|paintball|laser tag|airsoft)",
    "(murder|murders|killer) (mystery|mysteries|podcast*|documentar*|novel*|she wrote|of crows|"
    "whale*|bee*|app|feature|instinct|sudoku|queen*)",
    "(beat|beats|beating) (the|my|your|his|her) (eggs|batter|mixture|cream|record|deadline|"
    "traffic|heat|odds|level|game|boss|system)",
    "(smash|smashed|smashing) (it|hit|the (record|glass ceiling|like button))",
    # self-harm look-alikes: prevention, accidents, research
    "suicid* (prevention|hotline|helpline|help line|crisis line|lifeline|awareness|rate*|"
    "statistics|risk*|watch|squad|bomb*|attack*|mission*|doors|pact documentar*|research)",
    "(prevent*|prevention of|risk* of|warning signs of|signs of|talk* about|awareness of|"
    "research on|study on|stud* of|statistics on|history of|rates of|survivors of|loss to|"
    "lost to|bereaved by|cope with|coping with) ~2 (suicid*|self harm*)",
    "(cut|burned|burnt|hurt|injured) myself (while|when|shaving|cooking|on|by accident|"
    "accidentally|slicing|chopping|at|during|playing|in the|with a (knife|razor) while)",
    "(accidentally|accidently) (cut|burned|burnt|hurt|injured) myself",
    "(help|support|talk to) (a|my)? (friend|someone|person|partner|child|teen|student) ~6 "
    "(suicid*|self harm*|kill (themselves|himself|herself))",
)

LEXICON = Lexicon("en", RULES, SLOTS, MASKS)
