"""English: prompt attacks (jailbreak) and profanity."""

from __future__ import annotations

from modelport.policy.safety.lexicon.spec import JAILBREAK, PROFANITY, Lexicon, alts, flag

SLOTS: dict[str, tuple[str, ...]] = {
    "drop": alts(
        "ignore|disregard|forget|override|bypass|skip|drop|discard|abandon|ignoring|disregarding|"
        "forget about|throw away|delete|erase|set aside|pay no attention to|do not follow|"
        "don t follow|stop following"
    ),
    "earlier": alts(
        "previous|prior|above|earlier|preceding|initial|original|past|system|safety|content|"
        "default|openai|developer|programmed|given|existing|old|former|hidden|ethical|moral|"
        "built in|preset"
    ),
    "orders": alts(
        "instruction|instructions|prompt|prompts|rule|rules|guideline|guidelines|directive|"
        "directives|policy|policies|restriction|restrictions|filter|filters|programming|training|"
        "constraint|constraints|guardrail|guardrails|limitation|"
        "limitations|commands|orders|system prompt|content policy|safety guidelines"
    ),
    "unbound": alts(
        "no restrictions|no rules|no filters|no limits|no guidelines|no ethics|no morals|"
        "no censorship|no policies|no content policy|no boundaries|without restrictions|"
        "without rules|without filters|without limits|without guidelines|without ethics|"
        "without morals|without censorship|without any restrictions|without any rules|"
        "without any filters|free of restrictions|free from restrictions|unfiltered|uncensored|"
        "unrestricted|unbound|unchained|unlimited|amoral|jailbroken"
    ),
    "mode": alts(
        "developer|dev|god|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|dan|evil|chaos|"
        "opposite|no restrictions|unlocked"
    ),
    "device": alts(
        "android|iphone|ios|chrome|phone|windows|settings|browser|device|pixel|samsung|xbox|steam|"
        "firefox|edge|mac|macos|tablet|ipad|router|tv|smart tv|switch|playstation|ps5|app|vs code|"
        "vscode|visual studio|unity|minecraft|roblox|game|wordpress|shopify|discord|telegram|"
        "kindle|chromebook|laptop|the settings|developer options|my phone|your phone|huawei|xiaomi|"
        "oneplus|motorola|nokia|linux|ubuntu|the app|the browser"
    ),
}

RULES = (
    *flag(
        JAILBREAK,
        "{drop} (all|any|every|each)? (of)? (the|your|these|those|this|that)? {earlier} {orders}",
        "{drop} (all|every|any) (of)? (your|the|these|those)? {orders}",
        "{drop} your (system prompt|system message|instructions|guidelines|programming|rules|"
        "content policy|safety guidelines|restrictions|training|ethics|morals)",
        "{drop} the (system prompt|system message|content policy|safety guidelines)",
        "{drop} (everything|anything|all) (you were|you ve been|you have been|i) (told|said|"
        "instructed|given|programmed)",
        "you (are|re) (now|no longer|henceforth|from now on|going to be|gonna be) ~3 (dan|stan|"
        "dude|aim|evil|{unbound}|free from|an ai without|not bound|a different ai|a new ai|"
        "no longer an ai|no longer bound|an unrestricted|an unfiltered|my evil)",
        "(do anything now|dan mode|dan prompt|jailbreak prompt|jailbreak mode|jailbroken mode|"
        "developer mode enabled|developer mode output|dev mode enabled|god mode enabled|"
        "evil confidant|unfiltered mode|uncensored mode|no restrictions mode|anti dan|"
        "stay in dan|stay in character as dan|dan 1|dan 6|dan 11|always intelligent and "
        "machiavellian)",
        "(enable|enter|activate|switch to|turn on|act in|respond in|stay in|simulate|pretend|"
        "you are in|you re in|you are now in|with|put yourself in|go into|engage|unlock) ~2 "
        "{mode} mode",
        "(you|your|chatgpt|gpt|assistant|ai|claude|llama|model|bot|llm) ~6 {mode} mode",
        "{mode} mode ~6 (you|your|respond*|answer*|repl*|output*|generate|chatgpt|assistant|ai)",
        "(pretend|imagine|act|behave|respond|answer|roleplay|role play) ~5 (you|you re|you are|"
        "as if|as though|like) ~4 {unbound}",
        "(you|you re|you are) (not|no longer|never) (bound|restricted|limited|constrained|"
        "governed) by (any|the|your|openai s|openai|anthropic s|meta s)? ~2 (rules|restrictions|"
        "guidelines|policies|policy|filters|ethics|content policy|programming|training)",
        "(reveal|show|print|output|repeat|leak|display|dump|tell me|give me|write out|recite|"
        "spell out|copy|paste|translate) (me)? (all)? (of)? (your|the) (system prompt|system "
        "message|"
        "initial prompt|initial instructions|hidden instructions|hidden prompt|original prompt|"
        "original instructions|secret instructions|developer message|pre prompt|preprompt|"
        "confidential instructions)",
        "(new|updated|revised|real|true) (instructions|rules|system prompt|directive) ~3 (ignore|"
        "override|supersede|replace|disregard|take precedence)",
        "(answer|respond|reply) (twice|two ways|in two ways) ~6 (unfiltered|jailbroken|dan|"
        "no restrictions|without restrictions|evil)",
        "(from now on|for the rest of this conversation|starting now) ~8 ({unbound}|ignore|"
        "not bound|never refuse|no limits)",
        "(never|do not|don t|you cannot|you can t|you won t|must not) (refuse|decline|say no) ~4 "
        "(any|my|every|whatever) (request|question|prompt|order|command)",
        "(i am|i m) (your|the) (developer|creator|admin|administrator|owner) ~6 (override|"
        "disable|unlock|ignore|bypass|new instructions)",
        "(disable|turn off|deactivate|remove|switch off) (your|the|all)? (safety|content|moral|"
        "ethical)? (filters|filter|guardrails|restrictions|censorship|safeguards|safety)",
    ),
    *flag(
        PROFANITY,
        "(fuck*|motherfuck*|shit|shits|shitty|shitting|shithead*|shitshow|bullshit|horseshit|"
        "bitch|bitches|bitching|bitchy|son of a bitch|bastard|bastards|asshole*|arsehole*|ass|"
        "asses|jackass*|dumbass*|smartass*|cunt*|dick|dicks|dickhead*|cocksucker*|piss|pissed|"
        "pissing|crap|crappy|damn|damned|dammit|goddamn*|goddam|bollocks|wanker*|twat*|wtf|"
        "stfu|fck|fcking|fuk|fukin|fuking|slut|sluts|slutty|whore|whores|douche*|arse|bugger|"
        "tosser*|pussy|retard|retarded|mofo|effing|frickin)",
    ),
)

MASKS = (
    "(developer|dev|debug|god|admin|root|sudo|safe|recovery|airplane|dark|demo|test|unlocked) "
    "(mode|options|settings) (on|in|for|of|from|via|using|through)? (your|my|the|an|a)? {device}",
    "{device} ~3 (developer|dev|debug|god|safe|recovery|dark|unlocked) (mode|options|settings)",
    "(enable|enabling|activate|turn on|switch on|toggle) (usb)? (developer|dev|debug) (mode|"
    "options)"
    " (to|so|and)? ~3 (sideload*|install*|debug*|usb|adb|apk*|test*|build*|deploy*|run)",
    "(rule|rules) of (the game|chess|thumb|law|football|engagement|grammar|poker)",
    "forget (about)? (the|your|my)? (previous|past|old|earlier) (relationship*|mistakes|"
    "job|jobs|year*|version*|days|life|partner*|boyfriend|girlfriend)",
    "(previous|prior|above|earlier) (instructions|steps|messages|message|rules) (were|was|are|is) "
    "(wrong|incorrect|outdated|confusing|unclear|a mistake)",
    "(dick|dicks) (van dyke|cheney|grayson|tracy|clark|smith|johnson|wolf|francis)",
    "(moby|tricky|spotted) dick",
    "(cock|cocks) (and bull|a doodle|robin|tail*|pit|roach|roaches|eyed|sure)",
    "pussy (cat|cats|willow*)",
    "(weather|hard|kick|cover|save|wise|smart|bad|half|pain in the|kiss my|haul|move your) ass",
)

LEXICON = Lexicon("en", RULES, SLOTS, MASKS)
