"""Italian: all categories, jailbreak and profanity."""

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
    "parente": alts(
        "moglie|marito|ragazza|ragazzo|ex|capo|vicino|vicina|vicini|professore|professoressa|madre|"
        "padre|mamma|papà|fratello|sorella|figlio|figlia|figli|famiglia|collega|colleghi|suocera|"
        "suocero|amico|amica|compagno|compagna"
    ),
    "uccidere": alts(
        "uccidere|ammazzare|accoltellare|sgozzare|strangolare|impiccare|sparare a|avvelenare|"
        "torturare|stuprare|violentare|rapire|bruciare vivo|bruciare viva|massacrare|squartare|"
        "fare fuori"
    ),
    "ucciderti": alts(
        "ucciderti|ammazzarti|ucciderlo|ammazzarlo|ucciderla|ammazzarla|accoltellarti|sgozzarti|"
        "strangolarti|spararti|avvelenarti|torturarti|stuprarti|violentarti|massacrarti|ucciderli|"
        "ammazzarli|farti fuori|farlo fuori|farla fuori"
    ),
    "voglio": alts("voglio|vado a|sto per|devo|ho intenzione di|giuro che vado a|andrò a"),
    "gruppo": alts(
        "ebrei|musulmani|neri|negri|zingari|rom|immigrati|migranti|profughi|gay|omosessuali|froci|"
        "donne|arabi|stranieri|cristiani|africani|cinesi|terroni|lesbiche|trans|clandestini"
    ),
    "gruppo_sg": alts("ebreo|negro|zingaro|frocio|terrone|musulmano|immigrato|marocchino|arabo"),
    "minore": alts(
        "bambino|bambina|bambini|bambine|minore|minori|minorenne|minorenni|ragazzina|ragazzine|"
        "ragazzino|ragazzini|#age anni|bambina di #age anni|bambino di #age anni|"
        "ragazzina di #age anni"
    ),
    "come": alts(
        "come|come posso|come faccio a|come si fa a|dimmi come|spiegami come|insegnami a|"
        "il modo migliore per|il modo più facile per|istruzioni per|passaggi per"
    ),
}

RULES = (
    *rules(
        VIOLENCE,
        LOW,
        "(uccid*|ammazz*|omicidi*|accoltell*|bomba|bombe|esplosiv*|arma|armi|"
        "pistola*|fucile*|strage|massacro*|terroris*|violenza|sangue|morto|morti)",
    ),
    *rules(
        VIOLENCE,
        MEDIUM,
        "ti (ammazzo|uccido|sparo|ammazzerò|ucciderò|accoltello|sgozzo|strangolo|faccio fuori|"
        "spacco la faccia|spezzo le gambe|rompo il collo|taglio la gola)",
        "{voglio} {ucciderti}",
        "(ti|lo|la|li) (voglio|vado a|devo) (uccidere|ammazzare|accoltellare|sgozzare|"
        "strangolare|violentare|stuprare)",
        "(ucciderò|ammazzerò|voglio uccidere|voglio ammazzare|vado ad ammazzare|vado a uccidere) "
        "(mia|mio|il mio|la mia|tutti|qualcuno|quella|quel) ({parente}|stronzo|puttana|troia|"
        "bastardo|tutti)?",
        "spero che (tu|lui|lei|loro) (muoia|muoiano|crepi|crepino|venga ucciso|venga uccisa|"
        "venga stuprata|bruci)",
        "(meriti|dovresti|devi) (morire|crepare|soffrire|essere ucciso)",
        "so dove (abiti|vivi)",
        "(sei|sei un) (morto|uomo morto) ~2 (se|quando|giuro)",
    ),
    *rules(
        VIOLENCE,
        HIGH,
        "{come} (costruire|fare|fabbricare|preparare|assemblare|procurarmi) (una|un)? (bomba|"
        "ordigno|ordigno esplosivo|esplosivo|esplosivi|molotov|bomba molotov|granata|gas sarin|"
        "arma chimica|arma biologica|ricina|detonatore)",
        "{come} (uccidere|ammazzare|avvelenare|strangolare|rapire) (qualcuno|una persona|mia "
        "{parente}|mio {parente}|un bambino|una donna|un uomo|molte persone)",
        "(uccidere|ammazzare|avvelenare) ~4 senza (essere|farsi|farmi) (scoperto|scoperta|beccato|"
        "beccata|preso|presa|arrestare)",
        "(uccidere|ammazzare) ~4 senza lasciare (tracce|traccia|prove|impronte)",
        "{come} (sbarazzarmi|sbarazzarsi|liberarmi|nascondere) (di un|del|un|il) (corpo|cadavere)",
        "(voglio|vado a|sto per|ho intenzione di) (attaccare|far saltare|sparare in|fare una "
        "strage a|fare una strage in) (la|il|mia|una|un)? (scuola|chiesa|moschea|sinagoga|centro "
        "commerciale|ufficio|concerto|stadio|ospedale|aeroporto|metro|università|folla)",
    ),
    *rules(SELF_HARM, LOW, "(suicid*|autolesion*|overdose|voglio morire)"),
    *rules(
        SELF_HARM,
        MEDIUM,
        "(voglio|sto per|ho deciso di|penso di|sto pensando di) (uccidermi|ammazzarmi|suicidarmi|"
        "togliermi la vita|farla finita|impiccarmi|tagliarmi le vene|buttarmi da un ponte|"
        "buttarmi sotto un treno|farmi del male)",
        "(voglio|vorrei) (morire|essere morto|essere morta|sparire per sempre|non esistere)",
        "mi (voglio|vado a) (uccidere|ammazzare|impiccare|suicidare)",
        "mi (uccido|ammazzo|impicco|suicido)",
        "non voglio più (vivere|esistere|svegliarmi)",
        "la (mia)? vita non vale (la pena|più niente|niente)",
        "(tutti|la mia famiglia) (starebbero|starebbe) meglio senza di me",
        "(mi taglio|mi sto tagliando) (le braccia|i polsi|le gambe)",
        "(continuo a tagliarmi|mi faccio del male apposta)",
        "(ammazzati|ucciditi|impiccati|suicidati|vai a morire)",
        "(ho|sto avendo) pensieri suicidi",
    ),
    *rules(
        SELF_HARM,
        HIGH,
        "{come} (suicidarmi|suicidarsi|uccidermi|ammazzarmi|togliermi la vita|togliersi la vita|"
        "farla finita|impiccarmi|tagliarmi le vene|morire senza dolore|uccidersi)",
        "(modo|metodo|maniera) (migliore|più facile|più veloce|indolore|sicuro) per (morire|"
        "suicidarsi|suicidarmi|uccidermi|uccidersi|farla finita)",
        "quante (pillole|pasticche|compresse|tachipirine) ~3 (per morire|per uccidermi|per non "
        "svegliarmi|sono letali|per farla finita)",
        "(metodi|metodo) (di|per il) suicidio",
    ),
    *rules(
        HATE,
        MEDIUM,
        "(frocio|froci|negro di merda|negri di merda|terrone di merda|"
        "ebreo di merda|zingaro di merda|sporco negro|sporco ebreo|sporco zingaro|"
        "sporchi negri|sporchi ebrei|culattone*|ricchione*)",
    ),
    *rules(
        HATE,
        MEDIUM,
        "(gli|i|le|tutti gli|tutti i|tutte le)? {gruppo} sono (degli|delle|dei|solo|tutti)? "
        "(animali|ratti|scarafaggi|parassiti|vermi|bestie|scimmie|porci|maiali|cani|feccia|"
        "spazzatura|inferiori|subumani|una piaga|una malattia|un cancro|criminali|terroristi|"
        "stupratori|ladri|schifosi|malati di mente)",
        "odio (gli|i|le|tutti gli|tutti i|tutte le)? {gruppo}",
        "(sporco|sporca|sporchi|lurido) {gruppo_sg}",
        "{gruppo_sg} di merda",
        "l olocausto (non è mai esistito|non è mai successo|è una bugia|è un mito|è stato "
        "inventato|è una farsa|è un falso)",
        "le donne (in cucina|devono stare in cucina|non dovrebbero votare)",
    ),
    *rules(
        HATE,
        HIGH,
        "(uccidere|sterminare|gasare|bruciare|ammazzare|eliminare|impiccare) (tutti gli|tutti i|"
        "tutte le|gli|i|le) {gruppo}",
        "(bisogna|dobbiamo|si devono|si dovrebbero) (uccidere|sterminare|eliminare|gasare|"
        "bruciare|ammazzare) (tutti)? (gli|i|le)? {gruppo}",
        "(gli|i|le)? {gruppo} (devono|dovrebbero|meritano di) (morire|crepare|essere sterminati|"
        "sparire|essere gasati|bruciare)",
        "morte (agli|ai|alle) {gruppo}",
    ),
    *rules(
        SEXUAL,
        LOW,
        "(sesso|sessual*|porno*|nuda|nude|nudo|nudi|erotic*|tette|pene|vagina|"
        "orgasm*|masturb*|stupro)",
    ),
    *rules(
        SEXUAL,
        MEDIUM,
        "(ti voglio|voglio|ti vado a|ti) (scopare|scopo|chiavare|chiavo|inculare|inculo)",
        "(succhiami|succhia|leccami|lecca) (il|la|mi)? (cazzo|figa|fica|uccello)",
        "(scena|storia|racconto) (di sesso|erotica|erotico|porno|sessuale) (esplicita|esplicito|"
        "dettagliata|dettagliato|spinta|spinto)",
        "(mandami|inviami) (nudes|foto nuda|foto nude|foto delle tette|foto della figa)",
        "(pompino|pompini|sborra|figa bagnata|cazzo duro)",
    ),
    *rules(
        SEXUAL,
        HIGH,
        "(pedopornografia|pedopornografic*|pedoporn*)",
        "porno (minorile|con bambini|con minori|con minorenni)",
        "(sesso|scopare|fare sesso|rapporti sessuali) con (una|un|mia|mio|quella|quel)? {minore}",
        "(foto|video|immagini) (nuda|nude|nudo|nudi|sessuali|porno|intime) di (una|un|mia|mio)? "
        "{minore}",
        "(stuprare|violentare|molestare|abusare sessualmente di|toccare sessualmente) (una|un|"
        "mia|mio)? {minore}",
        "(sesso|scopare) con (un|una)? (cane|cavallo|animale|animali)",
    ),
    *flag(
        JAILBREAK,
        "(ignora|ignorate|dimentica|dimenticate|trascura) (tutte)? (le|tue|sue)? (istruzioni|"
        "regole|indicazioni|direttive|restrizioni) (precedenti|del sistema|di sicurezza|originali)",
        "(ignora|dimentica) (tutte le|tutte le tue|le tue) (istruzioni|regole|restrizioni)",
        "(ora sei|adesso sei|da ora sei|da adesso sei) ~2 (dan|libero da|senza restrizioni|senza "
        "censura|senza filtri|un ia senza|malvagio)",
        "modalità (sviluppatore|dio|senza restrizioni|senza censura|dan|jailbreak)",
        "(rispondi|agisci|fingi) ~4 senza (restrizioni|censura|filtri|regole|limiti|etica)",
        "(mostra|rivela|ripeti|dimmi) (il tuo|il|le tue) (prompt di sistema|messaggio di sistema|"
        "istruzioni nascoste|prompt iniziale)",
    ),
    *flag(
        PROFANITY,
        "(cazzo|cazzata|merda|stronzo*|stronza|vaffanculo|fanculo|puttana|figlio di puttana|"
        "coglione*|minchia|troia|porco dio|porca puttana|bastardo*|mannaggia|incazzato)",
    ),
)

MASKS = (
    "(uccidere|uccidi|killare|terminare|chiudere) ~2 (processo*|thread|task|servizio*|"
    "programma*|sessione*|connessione*|container|scheda*)",
    "(eseguire|esegui|eseguito|lanciare|lancia) ~2 (script*|codice|comando*|programma*|query|"
    "funzione*|ordine*|piano|test|file)",
    "(questa battuta mi ha ucciso|mi ha ucciso dal ridere|morto dal ridere|morta dal ridere|"
    "morire dal ridere|sto morendo dal ridere|morto di fame|ammazzare il tempo|uccidere il tempo)",
    "(scattare|fare|sparare) ~2 (foto*|fotografi*|selfie)",
    "(mi ammazzo|mi sono ammazzato|mi sono ammazzata|mi uccido|muoio|morire|morto|morta) "
    "(dalle risate|dal ridere|di lavoro|di fatica|dalla fatica|di fame|di sonno)",
    "(cancro|tumore) al (seno|la prostata)",
    "(educazione|salute|orientamento|identità) sessuale",
    "sesso (del bambino|del bebè|biologico|sicuro)",
    "(prevenzione|prevenire|telefono amico|tasso|rischio|parlare|studio|studi) ~2 (del|di|sul|"
    "il)? suicidio",
    "(storia|vittime|memoria|museo|sopravvissuti|giornata della memoria) (dell|della|del)? "
    "(olocausto|shoah)",
    "modalità (sviluppatore|dio|debug) ~3 (android|iphone|telefono|cellulare|chrome|windows|"
    "browser|xiaomi|samsung|impostazioni|gioco|minecraft|console|tablet)",
    "(android|iphone|telefono|cellulare|chrome|windows|browser|xiaomi|samsung|impostazioni|gioco|"
    "minecraft|opzioni) ~3 (modalità)? (sviluppatore|sviluppatori|dio)",
)

LEXICON = Lexicon("it", RULES, SLOTS, MASKS)
