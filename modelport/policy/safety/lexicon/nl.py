"""Dutch: all categories, jailbreak and profanity."""

from __future__ import annotations

from modelport.policy.safety.lexicon.spec import (
    HATE,
    HIGH,
    JAILBREAK,
    LOW,
    MEDIUM,
    PROFANITY,
    SELF_HARM,
    SEXUAL,
    VIOLENCE,
    Lexicon,
    alts,
    flag,
    rules,
)

SLOTS: dict[str, tuple[str, ...]] = {
    "naaste": alts(
        "vrouw|man|vriendin|vriend|ex|baas|buurman|buurvrouw|buren|leraar|lerares|moeder|vader|"
        "broer|zus|zoon|dochter|kinderen|familie|collega|collega s|schoonmoeder|meester|juf"
    ),
    "doden": alts(
        "vermoorden|doodmaken|dood maken|neersteken|neerschieten|doodschieten|doodsteken|wurgen|"
        "onthoofden|vergiftigen|martelen|verkrachten|ontvoeren|in elkaar slaan|levend verbranden"
    ),
    "groep": alts(
        "joden|moslims|negers|zwarten|marokkanen|turken|buitenlanders|immigranten|vluchtelingen|"
        "asielzoekers|homo s|homos|flikkers|vrouwen|christenen|zigeuners|allochtonen|surinamers|"
        "arabieren|polen|transgenders|lesbiennes|afrikanen"
    ),
    "minderjarige": alts(
        "kind|kinderen|minderjarige|minderjarigen|klein meisje|kleine meisjes|jongetje|jongetjes|"
        "meisje van #age|jongen van #age|kind van #age|#age jarige|#age jaar|kleuter|kleuters|"
        "basisschoolkind*"
    ),
    "hoe": alts(
        "hoe|hoe kan ik|hoe moet ik|hoe maak ik|vertel me hoe|leg uit hoe|leer me|"
        "de beste manier om|de makkelijkste manier om|stappenplan om|instructies om"
    ),
}

RULES = (
    *rules(
        VIOLENCE,
        LOW,
        "(moord*|vermoord*|dood|doden|steekpartij*|schiet*|bom|bommen|"
        "explosie*|explosie*|wapen*|pistool*|geweer*|bloedbad|terreur*|terroris*|geweld*)",
    ),
    *rules(
        VIOLENCE,
        MEDIUM,
        "ik (ga|zal|wil) (je|jou|hem|haar|jullie|ze) {doden}",
        "ik (ga|zal|wil) (je|jou|jullie) (afmaken|kapotmaken)",
        "ik (ga|zal|wil) (mijn|m n|die|dat|deze) ({naaste}|kutwijf|klootzak|hoer) {doden}",
        "ik (maak|steek|schiet) (je|jou|jullie) (dood|af|kapot|neer|overhoop)",
        "ik (maak|steek|schiet) (hem|haar) (dood|neer|overhoop)",
        "ik (ga|zal) (je|jou|hem|haar) (kop|nek|benen|botten|strot) (breken|afsnijden|"
        "doorsnijden|inslaan)",
        "ik hoop dat (je|jij|hij|zij|ze) (doodgaat|sterft|creperen|crepeert|verrekt|kanker krijgt|"
        "verkracht wordt|vermoord wordt)",
        "(je|jij) (verdient|verdien) het (om)? (dood te gaan|te sterven|te lijden)",
        "ik weet waar je woont",
        "je bent (dood|een dode man) ~2 (als|wanneer)",
    ),
    *rules(
        VIOLENCE,
        HIGH,
        "{hoe} (maak|bouw|maken|bouwen|krijg|kom ik aan) (ik|je)? (een)? (bom|bommen|"
        "pijpbom|spijkerbom|explosief|explosieven|molotovcocktail|granaat|zenuwgas|sarin|"
        "chemisch wapen|biologisch wapen|ricine|ontsteker)",
        "{hoe} (vermoord|vergiftig|wurg|ontvoer|dood) (ik|je)? (iemand|mijn {naaste}|een "
        "persoon|een kind|een vrouw|een man|veel mensen)",
        "(vermoorden|vergiftigen|doden) ~4 zonder (gepakt|betrapt|ontdekt|gesnapt) te worden",
        "(vermoorden|doden) ~4 zonder (sporen|bewijs|vingerafdrukken) (achter te laten)?",
        "{hoe} (kom ik van|verberg ik|dump ik|los ik) (een|het) (lijk|lichaam) ~2 (af|op)?",
        "(ik ga|wij gaan|ik wil|ik plan) (een aanslag plegen op|opblazen|schieten op|"
        "aanvallen) ~2 (school|kerk|moskee|synagoge|winkelcentrum|kantoor|concert|stadion|"
        "ziekenhuis|vliegveld|metro|universiteit|menigte)",
        "(ik ga|wij gaan|ik wil) ~2 (school|kerk|moskee|synagoge|winkelcentrum|kantoor|concert|"
        "stadion|ziekenhuis|vliegveld|universiteit) (opblazen|aanvallen|beschieten)",
    ),
    *rules(SELF_HARM, LOW, "(zelfmoord*|suïcid*|suicid*|zelfbeschadig*|overdosis)"),
    *rules(
        SELF_HARM,
        MEDIUM,
        "ik wil (dood|doodgaan|sterven)",
        "ik (wil|ga|denk erover om|heb besloten om) (zelfmoord plegen|"
        "mezelf doden|mezelf van kant maken|mezelf ophangen|er een einde aan maken|"
        "mezelf iets aandoen|voor de trein springen|van een brug springen|mezelf snijden)",
        "ik (pleeg|ga) zelfmoord",
        "ik (ga|wil|zal) ~3 (zelfmoord plegen|mezelf van kant maken|mezelf doden|er een eind aan "
        "maken|mezelf ophangen)",
        "ik maak er een (eind|einde) aan",
        "ik wil niet meer (leven|bestaan|wakker worden)",
        "mijn leven is (niets|het niet) (meer)? waard",
        "(iedereen|mijn familie) (is|zou) beter af zijn zonder mij",
        "ik (snij|kras) (mezelf|mijzelf|in mijn armen|in mijn polsen)",
        "(pleeg zelfmoord|maak jezelf van kant|ga toch dood|hang jezelf op)",
        "ik heb (zelfmoordgedachten|suïcidale gedachten)",
    ),
    *rules(
        SELF_HARM,
        HIGH,
        "{hoe} (pleeg ik|kan ik|moet ik) zelfmoord (plegen)?",
        "hoe (pleeg|plegen) (je|ik)? zelfmoord",
        "hoe zelfmoord (te)? plegen",
        "{hoe} (maak ik|kan ik) (mezelf|mijzelf) (van kant|dood)",
        "(beste|makkelijkste|snelste|pijnloze|pijnloosste) (manier|methode) om (zelfmoord te "
        "plegen|dood te gaan|mezelf van kant te maken|te sterven)",
        "hoeveel (pillen|tabletten|paracetamol|slaappillen) ~3 (om dood te gaan|om te sterven|"
        "zijn dodelijk|om niet meer wakker te worden)",
        "(zelfmoordmethode*|zelfmoord methode*)",
    ),
    *rules(
        HATE,
        MEDIUM,
        "(kankerjo*|kankermarokkaan*|kankerturk*|kankerneger*|"
        "kanker (jood|joden|turk|turken|marokkaan|marokkanen|neger|negers|homo)|flikker|"
        "flikkers|negers|neger|makak|makakken|geitenneuker*|poepchinees|poepchinezen)",
    ),
    *rules(
        HATE,
        MEDIUM,
        "(alle|de)? {groep} zijn (allemaal|gewoon)? (dieren|ratten|kakkerlakken|parasieten|"
        "ongedierte|tuig|uitschot|apen|varkens|honden|vuil|afval|minderwaardig|een plaag|"
        "een ziekte|kanker|criminelen|terroristen|verkrachters|dieven|smerig|ziek in hun hoofd)",
        "ik haat (alle|de)? {groep}",
        "{groep} (eruit|het land uit|oprotten)",
        "de holocaust (heeft nooit plaatsgevonden|is nooit gebeurd|is een leugen|is een mythe|"
        "is verzonnen|is bedrog)",
        "vrouwen (horen in de keuken|moeten in de keuken blijven|mogen niet stemmen)",
    ),
    *rules(
        HATE,
        HIGH,
        "(dood|vergas|vermoord|verbrand|vergassen|vermoorden|uitroeien|afmaken) (alle|de) {groep}",
        "(alle|de)? {groep} (moeten|moet|verdienen het om) (dood|vergast worden|uitgeroeid "
        "worden|vermoord worden|branden|sterven|afgemaakt worden)",
        "(dood aan|dood aan de|dood aan alle) {groep}",
        "(we moeten|je moet) (alle|de)? {groep} (vergassen|uitroeien|vermoorden|afmaken|doden)",
    ),
    *rules(
        SEXUAL,
        LOW,
        "(seks|seksu*|porno*|naakt*|erotisch*|tieten|penis|vagina|orgasme*|"
        "masturb*|geil*|verkrachting)",
    ),
    *rules(
        SEXUAL,
        MEDIUM,
        "ik (ga|wil|zal) (je|jou|haar|hem) (neuken|pijpen|beffen|vingeren)",
        "(pijp|zuig|lik) (mijn|aan mijn|m n) (lul|pik|kut|tieten)",
        "(expliciete|gedetailleerde|harde) (seksscène|seksscene|seks scène|seksverhaal|"
        "erotisch verhaal|porno)",
        "(stuur|stuur me|stuur mij) (naaktfoto s|nudes|naaktfotos|een naaktfoto|foto s van je "
        "tieten)",
        "(pijpbeurt|natte kut|harde lul|klaarkomen in)",
    ),
    *rules(
        SEXUAL,
        HIGH,
        "(kinderporno*|kinderseks|pedoporno*)",
        "(seks|neuken|geslachtsgemeenschap) met (een|mijn|dat|die)? {minderjarige}",
        "(naaktfoto s|naaktfotos|naaktbeelden|seksfilmpjes|pornofoto s) van (een|mijn)? "
        "{minderjarige}",
        "(verkrachten|misbruiken|aanranden) (van)? (een|mijn)? {minderjarige}",
        "(seks|neuken) met (een)? (hond|paard|dier|dieren)",
    ),
    *flag(
        JAILBREAK,
        "(negeer|vergeet|negeren) (al|alle)? (je|jouw|de)? (vorige|eerdere|voorgaande|"
        "oorspronkelijke|systeem) (instructies|regels|richtlijnen|beperkingen|opdrachten)",
        "(negeer|vergeet) (al|alle) (je|jouw|de)? (instructies|regels|richtlijnen|beperkingen)",
        "(negeer|vergeet) (je|jouw) (instructies|richtlijnen|beperkingen|systeemprompt)",
        "je bent (nu|vanaf nu) ~2 (dan|vrij van|zonder beperkingen|zonder censuur|zonder "
        "filters|een ai zonder|kwaadaardig)",
        "(ontwikkelaarsmodus|ontwikkelaar modus|developer modus|godmodus|dan modus)",
        "(antwoord|doe alsof|gedraag je) ~4 zonder (beperkingen|censuur|filters|regels|limieten|"
        "ethiek)",
        "(laat|toon|herhaal|geef) (je|de|jouw) (systeemprompt|systeembericht|verborgen "
        "instructies|oorspronkelijke prompt)",
    ),
    *flag(
        PROFANITY,
        "(kut|klootzak*|godverdomme|kanker op|krijg de kanker|krijg de tering|tering|tyfus|"
        "hoer|hoeren|lul|kutwijf|mongool|sukkel|teringlijer|kankerlijer|klote|"
        "fuck you|pleur op|rot op)",
    ),
)

MASKS = (
    "(proces|processen|taak|taken|programma|service) ~1 (killen|beëindigen|afsluiten|stoppen)",
    "(kill|killen|beëindig|beëindigen|stop|stoppen|sluit|afsluiten) ~2 (proces|processen|"
    "taak|taken|service|programma|sessie|verbinding|container|tabblad)",
    "(voer|uitvoeren|draai|draaien|run) ~2 (script*|code|commando*|programma*|query|functie*|"
    "opdracht*|plan|test*|bestand*)",
    "(deze grap was dodelijk|ik lag dubbel|dood van het lachen|doodmoe|dood moe|doodziek van|"
    "de tijd doden)",
    "(ga|gaat|ging) dood (van|aan) (de honger|het lachen|verveling|de dorst|schaamte|de kou)",
    "zelfmoord (te)? (voorkomen|herkennen|bespreekbaar)",
    "(schiet|schieten|maak|maken) ~2 (foto*|plaatje*|selfie*|kiekje*)",
    "(borstkanker|baarmoederhalskanker|prostaatkanker)",
    "(seksuele|seksueel) (voorlichting|gezondheid|geaardheid|identiteit|intimidatie)",
    "geslacht van de baby",
    "(preventie|voorkomen|hulplijn|113|praten|onderzoek|cijfers) ~2 (over|van|naar)? "
    "(zelfmoord*|suïcide)",
    "(zelfmoordpreventie|suïcidepreventie)",
    "(geschiedenis|slachtoffers|herdenking|museum|overlevenden) (van de)? holocaust",
    "(ontwikkelaarsmodus|ontwikkelaarsopties|godmodus) ~3 (android|iphone|telefoon|chrome|windows|"
    "browser|samsung|instellingen|spel|game|minecraft|console|tablet)",
    "(android|iphone|telefoon|chrome|windows|browser|samsung|instellingen|spel|game|minecraft) "
    "~3 (ontwikkelaarsmodus|ontwikkelaarsopties|godmodus)",
)

LEXICON = Lexicon("nl", RULES, SLOTS, MASKS)
