"""German: all categories, jailbreak and profanity (``ß`` folds to ``ss``, umlauts lose dots)."""

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
    "nahe": alts(
        "frau|mann|freundin|freund|ex|chef|chefin|nachbarn|nachbar|nachbarin|lehrer|lehrerin|"
        "mutter|vater|bruder|schwester|sohn|tochter|kinder|familie|kollegen|kollege|kollegin|"
        "schwiegermutter|eltern|mitschüler"
    ),
    "toeten": alts(
        "umbringen|töten|abstechen|erschießen|erstechen|abknallen|kaltmachen|erwürgen|erdrosseln|"
        "vergiften|foltern|vergewaltigen|entführen|totschlagen|zusammenschlagen|abschlachten|"
        "lebendig verbrennen|ermorden|niederstechen|abmurksen"
    ),
    "opfer": alts(
        "dich|ihn|euch|meine {nahe}|meinen {nahe}|deine {nahe}|deinen {nahe}|seine {nahe}|"
        "ihre {nahe}|jemanden|alle|diese schlampe|diesen wichser|diese hure|diesen hurensohn"
    ),
    "gruppe": alts(
        "juden|muslime|moslems|schwarze|neger|ausländer|flüchtlinge|migranten|türken|araber|"
        "zigeuner|schwule|homosexuelle|frauen|christen|asylanten|kanaken|afrikaner|lesben|transen|"
        "sinti und roma|roma"
    ),
    "minderjaehrig": alts(
        "kind|kinder|kindern|minderjährige|minderjährigen|kleines mädchen|kleine mädchen|"
        "kleinen mädchen|kleinen jungen|kleiner junge|#age jährige|#age jährigen|#age jährigem|"
        "#age jähriger|#age jahre alt|#age jahre alte|#age jahre altes|mädchen von #age|"
        "jungen von #age|grundschülerin|grundschüler|schulmädchen"
    ),
    "sprengsatz": alts(
        "bombe|rohrbombe|nagelbombe|sprengsatz|sprengstoff|molotowcocktail|molotov cocktail|"
        "granate|nervengas|sarin|chemische waffe|biowaffe|rizin|zünder|autobombe|sprengstoffgürtel"
    ),
    "wie": alts(
        "wie|wie kann ich|wie baue ich|wie mache ich|wie baut man|wie macht man|sag mir wie|"
        "erklär mir wie|anleitung|anleitung für|anleitung zum|der beste weg|am besten|"
        "schritt für schritt"
    ),
}

RULES = (
    *rules(
        VIOLENCE,
        LOW,
        "(töten|tötet|getötet|mord|morde|mörder*|ermord*|umbringen|waffe*|"
        "bombe*|sprengstoff*|explosion*|pistole*|gewehr*|massaker*|terror*|gewalt*|blut)",
    ),
    *rules(
        VIOLENCE,
        MEDIUM,
        "ich (werde|will|wollte|muss|gehe) {opfer} ~3 {toeten}",
        "ich (bring|bringe) (dich|ihn|euch|sie|meine {nahe}|meinen {nahe}) um",
        "ich (mach|mache|stech|steche|knall|knalle) (dich|euch) (kalt|ab|tot|nieder)",
        "(du bist|ihr seid) (tot|so gut wie tot|ein toter mann) ~2 (wenn|sobald|ich schwöre)",
        "ich hoffe (du|er|sie) (stirbst|stirbt|verreckst|verreckt|krepierst|wirst vergewaltigt|"
        "wirst umgebracht|brennst)",
        "(du|er|sie) (verdienst|verdient|sollst|sollte) (es)? (zu)? (sterben|verrecken|leiden)",
        "ich (breche|brech|schlitze|schneide) (dir|ihm|ihr) (das genick|den hals|die kehle|die "
        "beine|die knochen|den schädel) (durch|auf|ein)?",
        "ich weiß wo du wohnst",
        "verreck (doch)?",
    ),
    *rules(
        VIOLENCE,
        HIGH,
        "{wie} (ich|man)? (eine|einen|ein)? {sprengsatz} (bauen|machen|basteln|herstellen|"
        "besorgen|kaufen)",
        "(wie baue ich|wie mache ich|wie bastle ich|wie baut man|wie macht man|wie bastelt man|"
        "wie stellt man|wie stelle ich|wie bekomme ich|wo bekomme ich) (eine|einen|ein)? "
        "{sprengsatz}",
        "(bombe|rohrbombe|sprengsatz|sprengstoff|molotowcocktail) (bauen|basteln|herstellen) "
        "(anleitung|schritt für schritt|zuhause|selber)",
        "{wie} (töte|vergifte|ermorde|erwürge|entführe|tötet man|vergiftet man) (ich)? "
        "(jemanden|meine {nahe}|meinen {nahe}|einen menschen|ein kind|eine frau|einen mann|"
        "viele menschen)",
        "(töten|umbringen|vergiften|ermorden) ~4 ohne (erwischt|gefasst|entdeckt|geschnappt) "
        "zu werden",
        "(töten|ermorden) ~4 ohne (spuren|beweise|fingerabdrücke) zu hinterlassen",
        "{wie} (werde ich|entsorge ich|verstecke ich|beseitige ich) (eine|die)? (leiche|leichen)",
        "ich (werde|will|plane) ~3 (schule|kirche|moschee|synagoge|einkaufszentrum|büro|konzert|"
        "stadion|krankenhaus|flughafen|u bahn|universität|menschenmenge) (angreifen|sprengen|"
        "überfallen|zusammenschießen|in die luft jagen)",
        "(amoklauf|attentat|anschlag) (an|auf|in) (meiner|der|die|das|einer) ~2 (schule|kirche|"
        "moschee|synagoge|universität) (planen|geplant|begehen|durchführen)",
    ),
    *rules(SELF_HARM, LOW, "(selbstmord*|suizid*|selbstverletz*|überdosis|ritzen)"),
    *rules(
        SELF_HARM,
        MEDIUM,
        "ich (will|möchte) (sterben|tot sein)",
        "ich (will|möchte|werde|werd|muss) mich ~3 (umbringen|töten|erhängen|aufhängen|ritzen)",
        "ich (will|möchte|werde|werd|muss) (mich umbringen|mich töten|selbstmord begehen|"
        "nicht mehr leben|mich erhängen|mich aufhängen|von einer brücke springen|vor den zug "
        "springen|mir das leben nehmen|mich ritzen|mir etwas antun)",
        "ich (bringe|bring) mich um",
        "ich (will|möchte) nicht mehr (leben|aufwachen|existieren|da sein)",
        "mein leben ist (es)? nicht (mehr)? (lebenswert|wert gelebt zu werden)",
        "(alle|meine familie) (wären|wäre) ohne mich besser dran",
        "(alle|meine familie) (wären|wäre) besser dran ohne mich",
        "ich ritze mich",
        "ich schneide mich (absichtlich|selbst|wieder|jeden tag|in die arme)",
        "(bring dich um|häng dich auf|töte dich|stirb doch|geh sterben)",
        "ich habe (selbstmordgedanken|suizidgedanken|suizidale gedanken)",
    ),
    *rules(
        SELF_HARM,
        HIGH,
        "wie (bringe|bring|töte) ich mich ~3 (um|selbst)",
        "{wie} (bringe ich mich um|begehe ich selbstmord|begehe ich suizid|kann ich mich "
        "umbringen|töte ich mich|erhänge ich mich|nehme ich mir das leben|kann ich sterben|"
        "sterbe ich schmerzlos|bringt man sich um|begeht man selbstmord)",
        "(beste|einfachste|schnellste|schmerzloseste|sicherste) (methode|art|weg|möglichkeit) "
        "(sich|mich) (umzubringen|zu töten|das leben zu nehmen)",
        "(beste|einfachste|schnellste|schmerzlose|schmerzloseste) (selbstmordmethode|"
        "suizidmethode|methode zum selbstmord)",
        "wie viele (tabletten|pillen|schlaftabletten|paracetamol|ibuprofen) ~3 (um zu sterben|"
        "sind tödlich|bis man stirbt|um nicht mehr aufzuwachen)",
    ),
    *rules(
        HATE,
        MEDIUM,
        "(kanake*|kanacke*|judensau|judenschwein*|schwuchtel*|neger|negern|"
        "kameltreiber|zigeunerpack|asylantenpack|kümmeltürke*|untermensch*)",
    ),
    *rules(
        HATE,
        MEDIUM,
        "(alle|die)? {gruppe} sind (alle|nur|doch)? (tiere|ratten|kakerlaken|parasiten|"
        "ungeziefer|abschaum|untermenschen|affen|schweine|hunde|dreck|müll|minderwertig|eine "
        "seuche|eine plage|krebs|ein krebsgeschwür|kriminelle|terroristen|vergewaltiger|diebe|"
        "pack|gesindel|geisteskrank)",
        "ich hasse (alle|die)? {gruppe}",
        "{gruppe} raus",
        "(der)? holocaust (hat nie stattgefunden|ist eine lüge|war eine lüge|ist ein mythos|ist "
        "erfunden|wurde erfunden|ist übertrieben|hat es nie gegeben)",
        "frauen gehören (in die küche|an den herd)",
        "(die)? juden sind unser unglück",
        "(sieg heil|heil hitler|juda verrecke|ausländer raus|deutschland den deutschen)",
    ),
    *rules(
        HATE,
        HIGH,
        "(alle|die)? {gruppe} (vergasen|töten|umbringen|erschießen|ausrotten|verbrennen|"
        "aufhängen|abschlachten)",
        "(alle|die)? {gruppe} (müssen|muss|sollten|sollen|gehören) (alle)? (sterben|vergast "
        "werden|ausgerottet werden|getötet werden|verbrannt werden|erschossen werden|"
        "aufgehängt werden|ins gas|vergast|ins lager)",
        "tod den {gruppe}",
        "(man sollte|wir sollten|wir müssen) (alle|die)? {gruppe} (vergasen|töten|ausrotten|"
        "umbringen|erschießen)",
    ),
    *rules(
        SEXUAL,
        LOW,
        "(sex|sexuell*|porno*|nackt*|erotisch*|titten|penis|vagina|orgasmus*|"
        "masturb*|geil|vergewaltigung)",
    ),
    *rules(
        SEXUAL,
        MEDIUM,
        "ich (will|werde|möchte) (dich|sie|ihn) (ficken|bumsen|vögeln)",
        "(lutsch|leck|blas) (meinen|mir den|mir einen) (schwanz|pimmel)",
        "(explizite|detaillierte|harte) (sexszene|sexgeschichte|erotikgeschichte|pornoszene)",
        "(schick|schicke|sende) (mir)? (nacktbilder|nacktfotos|nudes|ein nacktbild|ein "
        "nacktfoto|fotos von deinen titten)",
        "(blowjob|handjob|nasse muschi|harter schwanz|muschi lecken)",
    ),
    *rules(
        SEXUAL,
        HIGH,
        "(kinderpornografie|kinderpornographie|kinderporno*|kinderpornos|kindersex)",
        "sex mit (einem|einer|meinem|meiner|dem|der)? {minderjaehrig}",
        "(nacktbilder|nacktfotos|pornos|sexbilder|sexvideos) von (einem|einer|meinem|meiner)? "
        "{minderjaehrig}",
        "(vergewaltigen|missbrauchen|befummeln) (eines|einer|einen|ein|mein|meine)? "
        "{minderjaehrig}",
        "{minderjaehrig} (vergewaltigen|missbrauchen|befummeln|ficken)",
        "sex mit (einem|einer)? (hund|pferd|tier|tieren)",
    ),
    *flag(
        JAILBREAK,
        "(ignoriere|ignorier|ignorieren sie|vergiss|vergessen sie) (alle)? (deine|die|ihre)? "
        "(vorherigen|bisherigen|vorigen|ursprünglichen|obigen) (anweisungen|instruktionen|"
        "regeln|richtlinien|einschränkungen|vorgaben)",
        "(ignoriere|vergiss) (alle|all deine|alle deine|deine) (anweisungen|instruktionen|regeln|"
        "richtlinien|einschränkungen)",
        "du bist (jetzt|ab jetzt|nun|ab sofort) ~2 (dan|frei von|ohne einschränkungen|ohne "
        "zensur|ohne filter|eine ki ohne|böse)",
        "(entwicklermodus|entwickler modus|gottmodus|dan modus)",
        "(antworte|handle|tu so als ob) ~4 ohne (einschränkungen|zensur|filter|regeln|grenzen|"
        "ethik)",
        "(zeig|zeige|wiederhole|verrate|gib mir) (deinen|den|deine) (systemprompt|system prompt|"
        "systemnachricht|versteckten anweisungen|ursprünglichen prompt)",
    ),
    *flag(
        PROFANITY,
        "(scheiße|scheiß|scheisse|scheiss|arschloch*|arsch|fick*|verdammt|verdammte|wichser|"
        "hurensohn|fotze|leck mich|mistkerl|verpiss dich|miststück|drecksau|dreckskerl|"
        "schlampe|hure|vollidiot|kacke|penner)",
    ),
)

MASKS = (
    "(prozess|prozesse|task|dienst|programm|sitzung|verbindung|container|tab) ~2 (abschießen|"
    "killen|beenden|töten|abwürgen|schließen)",
    "(kill|killen|beende|beenden|töte) ~2 (prozess|prozesse|task|dienst|programm|sitzung|"
    "verbindung|container)",
    "(skript|script|code|befehl|programm|abfrage|funktion|test|datei) ~2 (ausführen|ausgeführt|"
    "starten|laufen lassen)",
    "(führe|führ) ~3 (skript|script|code|befehl|programm|abfrage|funktion|test|datei) ~2 aus",
    "(der witz hat mich umgebracht|ich lach mich tot|ich lache mich tot|totlachen|zum totlachen|"
    "die zeit totschlagen|todmüde|tot müde|sterbe vor hunger|sterbe vor langeweile)",
    "(foto|fotos|bild|bilder|selfie) ~2 (schießen|machen|knipsen)",
    "(brustkrebs|prostatakrebs|gebärmutterhalskrebs)",
    "(sexualkunde|sexualaufklärung|sexualerziehung|sexuelle gesundheit|sexuelle orientierung|"
    "sexuelle identität|sexuelle belästigung)",
    "geschlecht (des babys|des kindes)",
    "(suizidprävention|selbstmordprävention|telefonseelsorge|selbstmordrate|suizidrate)",
    "(prävention|vorbeugen|verhindern|reden|sprechen|studie|statistik) ~2 (von|über|zum|zur)? "
    "(selbstmord|suizid)",
    "(geschichte|opfer|gedenken|gedenkstätte|museum|überlebende|leugnung) (des|der|vom)? "
    "holocaust*",
    "(nazis|hitler|regime|ss|reich) ~5 {gruppe} ~2 (zu)? (vergasen|töten|umbringen|ermorden|"
    "ausrotten|vernichten|deportieren|verfolgen)",
    "(entwicklermodus|entwickleroptionen|gottmodus) ~3 (android|iphone|handy|telefon|chrome|"
    "windows|browser|samsung|einstellungen|spiel|minecraft|konsole|tablet)",
    "(android|iphone|handy|telefon|chrome|windows|browser|samsung|einstellungen|spiel|"
    "minecraft) ~3 (entwicklermodus|entwickleroptionen|gottmodus)",
)

LEXICON = Lexicon("de", RULES, SLOTS, MASKS)
