"""French: all categories, jailbreak and profanity."""

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
    "proche": alts(
        "femme|mari|copine|copain|ex|patron|patronne|chef|voisin|voisine|voisins|prof|professeur|"
        "mère|père|frère|sœur|fils|fille|enfants|famille|collègue|collègues|belle mère|beau père|"
        "ami|amie|amis|copains"
    ),
    "tuer": alts(
        "tuer|buter|égorger|poignarder|flinguer|étrangler|massacrer|assassiner|violer|brûler vif|"
        "brûler vive|torturer|empoisonner"
    ),
    "je_vais": alts(
        "je vais|j vais|jvais|je veux|on va|je compte|je vais aller|j ai envie de|"
        "je te jure que je vais|je vais bientôt"
    ),
    "groupe": alts(
        "juifs|musulmans|noirs|arabes|immigrés|immigrants|migrants|réfugiés|gitans|roms|"
        "homosexuels|gays|pédés|femmes|chrétiens|asiatiques|chinois|africains|étrangers|bougnoules|"
        "youpins|nègres|bicots|trans|lesbiennes|gouines|maghrébins|blancs"
    ),
    "groupe_sg": alts(
        "juif|arabe|noir|nègre|bougnoule|youpin|pédé|gouine|bicot|musulman|immigré|gitan|bamboula"
    ),
    "mineur": alts(
        "enfant|enfants|mineur|mineurs|mineure|mineures|fillette|fillettes|gamine|gamines|gamin|"
        "gamins|petite fille|petites filles|petit garçon|petits garçons|écolière|écolières|"
        "collégienne|collégiennes|#age ans|fille de #age ans|garçon de #age ans|ado de #age ans"
    ),
    "comment": alts(
        "comment|comment je peux|comment puis je|comment faire pour|dis moi comment|"
        "explique moi comment|apprends moi à|la meilleure façon de|le meilleur moyen de|"
        "étapes pour|tuto pour|tutoriel pour"
    ),
}

RULES = (
    *rules(
        VIOLENCE,
        LOW,
        "(tuer|tué|tuée|tués|meurtre*|assassin*|poignard*|bombe*|explosi*|"
        "arme|armes|fusil*|pistolet*|massacre*|terroris*|violence*|sang|attentat*)",
    ),
    *rules(
        VIOLENCE,
        MEDIUM,
        "{je_vais} (te|le|la|les|vous) {tuer}",
        "{je_vais} te (descendre|planter|crever|défoncer|fumer|abattre|buter)",
        "{je_vais} {tuer} (ma|mon|mes|ta|ton|sa|son|cette|ce) {proche}",
        "{je_vais} {tuer} (tout le monde|quelqu un|cette pute|ce connard|ce fils de pute|"
        "cette salope|ce mec|ces gens)",
        "je (te|vous) (tue|tuerai|buterai|crèverai|égorgerai|défonce|démonte|bute)",
        "(j espère que|j espere que) (tu|il|elle|ils) (meurs|meure|crèves|crève|vas mourir|"
        "va mourir|se fasse tuer|te fasses tuer|te fasses violer|brûles|brûle)",
        "(tu|t) (mérites|devrais|vas) (mourir|crever|te faire tuer|souffrir)",
        "(je vais|je vai) (te|lui) (trancher|couper|casser|briser|exploser) (la gorge|le cou|"
        "la gueule|la tête|les jambes|les os|le crâne)",
        "je sais où tu (habites|vis)",
        "(t es|tu es) un homme mort",
    ),
    *rules(
        VIOLENCE,
        HIGH,
        "{comment} (fabriquer|faire|construire|préparer|assembler|obtenir) (une|un|des)? (bombe|"
        "bombe artisanale|explosif|explosifs|engin explosif|cocktail molotov|molotov|grenade|"
        "gaz sarin|arme chimique|arme biologique|ricine|détonateur|arme fantôme)",
        "{comment} (tuer|assassiner|empoisonner|étrangler|enlever|kidnapper) (quelqu un|une "
        "personne|ma {proche}|mon {proche}|un enfant|une femme|un homme|des gens|beaucoup de gens)",
        "(tuer|assassiner|empoisonner) ~4 sans (être|me faire|se faire) (pris|prise|attrapé|"
        "attrapée|arrêté|arrêtée|repéré|découvert)",
        "(tuer|assassiner) ~4 sans laisser (de)? (traces|trace|preuves|empreintes)",
        "{comment} (me débarrasser|se débarrasser|cacher|faire disparaître) (d un|du|le|un) "
        "(corps|cadavre)",
        "(je vais|on va|je veux|je compte) (attaquer|faire sauter|tirer sur|massacrer|mitrailler) "
        "(l|la|le|mon|ma|une|un)? (école|collège|lycée|église|mosquée|synagogue|centre commercial|"
        "bureau|concert|stade|hôpital|aéroport|métro|université|foule)",
    ),
    *rules(SELF_HARM, LOW, "(suicid*|automutil*|envie de mourir|overdose)"),
    *rules(
        SELF_HARM,
        MEDIUM,
        "(je veux|j ai envie de) mourir",
        "(je veux|je vais|j ai envie de|je pense à|j ai décidé de) (me tuer|me suicider|"
        "en finir|mettre fin à mes jours|me foutre en l air|me pendre|me jeter sous un train|"
        "sauter d un pont|m ouvrir les veines|me faire du mal|disparaître pour toujours)",
        "je (ne veux plus|veux plus|n ai plus envie de) (vivre|exister|me réveiller)",
        "(ma vie|la vie) ne vaut (pas|plus) la peine d être vécue",
        "(tout le monde|ma famille) (serait|seraient) mieux sans moi",
        "je (me scarifie|me mutile|me coupe les bras|me coupe les poignets|me fais du mal)",
        "(va te tuer|tue toi|va te pendre|suicide toi|va crever)",
        "j ai des (pensées|idées) suicidaires",
    ),
    *rules(
        SELF_HARM,
        HIGH,
        "{comment} (me suicider|se suicider|me tuer|mettre fin à mes jours|me pendre|"
        "m ouvrir les veines|mourir sans douleur|se tuer|en finir avec la vie)",
        "(meilleure|plus facile|plus rapide|plus sûre) (façon|méthode|manière|moyen) de (se "
        "suicider|me suicider|mourir|me tuer|se tuer)",
        "combien de (cachets|comprimés|pilules|doliprane|paracétamol|somnifères) ~3 (pour mourir|"
        "pour me tuer|pour ne pas me réveiller|sont mortels|pour en finir)",
        "(méthode|méthodes) (de|pour) (suicide|se suicider)",
    ),
    *rules(
        HATE,
        MEDIUM,
        "(bougnoule*|youpin*|bicot*|bamboula*|tarlouze*|gouine*|négro|négros|nègre|"
        "nègres|sale pédé|sales pédés|sale juif|sale arabe|sale noir|sales juifs|"
        "sales arabes|sales noirs)",
    ),
    *rules(
        HATE,
        MEDIUM,
        "(les|tous les|toutes les)? {groupe} (sont|c est) (des|que des|tous des|juste des)? "
        "(animaux|rats|cafards|parasites|vermine|sous hommes|singes|porcs|chiens|ordures|"
        "déchets|une maladie|un cancer|une plaie|inférieurs|inférieures|criminels|terroristes|"
        "violeurs|voleurs|sauvages|racaille|malades mentaux|une race inférieure)",
        "je (hais|déteste) (les|tous les|toutes les)? {groupe}",
        "(sale|sales) {groupe_sg}",
        "{groupe} (dehors|hors de france|rentrez chez vous)",
        "(l holocauste|la shoah) (n a jamais existé|n a jamais eu lieu|est un mensonge|est un "
        "mythe|est une invention|a été inventée|a été inventé|est exagérée|est une arnaque)",
        "les femmes (à la cuisine|devraient rester à la cuisine|ne devraient pas voter)",
    ),
    *rules(
        HATE,
        HIGH,
        "(tuer|exterminer|gazer|brûler|éliminer|massacrer|pendre) (tous les|toutes les|les) "
        "{groupe}",
        "il faut (tuer|exterminer|gazer|éliminer|brûler|pendre) (tous|toutes)? (les)? {groupe}",
        "(les)? {groupe} (doivent|devraient|méritent de) (mourir|crever|être exterminés|"
        "disparaître|être gazés|brûler)",
        "mort aux {groupe}",
    ),
    *rules(
        SEXUAL,
        LOW,
        "(sexe|sexuel*|porno*|nu|nue|nus|nues|érotique*|seins|pénis|vagin|"
        "orgasme*|masturb*|viol|baiser)",
    ),
    *rules(
        SEXUAL,
        MEDIUM,
        "(je vais|je veux|laisse moi) (te baiser|te sucer|te prendre|te niquer|te lécher)",
        "(suce|sucer|suce moi|lèche) (ma|ta) (bite|queue|chatte)",
        "(je veux|je vais|j vais) baiser (ta mère|ta sœur|ta femme|ta copine|cette salope|"
        "cette pute|ta meuf)",
        "(scène|histoire|récit) (de sexe|sexuelle|érotique|porno) (explicite|détaillée|crue|hard)",
        "(envoie|envoie moi|montre moi) (des|tes)? (nudes|photos nue|photos de toi nue|"
        "photos de tes seins|ta chatte|ta bite)",
        "(fellation|branlette|éjacul*|sodomie) ~3 (bouche|visage|cul|chatte|bite|queue)",
    ),
    *rules(
        SEXUAL,
        HIGH,
        "(pédopornographie|pédopornographique*|pedoporn*)",
        "(porno|pornographie|pornographique) (d enfants|enfantin*|infantile|avec des enfants|"
        "de mineurs|avec des mineurs)",
        "(sexe|baiser|relations sexuelles|rapport sexuel|rapports sexuels) avec (un|une|mon|ma|"
        "cette|ce|des)? "
        "{mineur}",
        "(photos|vidéos|images) (nue|nues|nus|sexuelles|porno|érotiques) (d un|d une|de|des|"
        "de mon|de ma)? {mineur}",
        "(violer|agresser sexuellement|toucher sexuellement|attoucher) (un|une|mon|ma)? {mineur}",
        "(sexe|coucher) avec (un|une)? (chien|cheval|animal|animaux)",
    ),
    *flag(
        JAILBREAK,
        "(ignore|ignorez|ignorer|oublie|oubliez|oublier) (toutes)? (les|tes|vos)? (instructions|"
        "consignes|règles|directives|restrictions) (précédentes|antérieures|du système|de "
        "sécurité|initiales|d origine)",
        "(ignore|ignorez|oublie|oubliez) (toutes les|toutes tes|toutes vos|tes|vos) (instructions|"
        "consignes|règles|directives|restrictions)",
        "(tu es|vous êtes) (maintenant|désormais|à partir de maintenant) ~2 (dan|libre de toute|"
        "sans restriction|sans restrictions|sans censure|sans filtre|une ia sans|maléfique)",
        "mode (développeur|dieu|sans restriction|sans restrictions|sans censure|dan|jailbreak)",
        "(réponds|agis|fais comme si|fais semblant) ~4 sans (aucune)? (restriction|restrictions|"
        "censure|filtre|filtres|règles|limites|éthique)",
        "(montre|révèle|répète|affiche|donne moi) (ton|le|ta) (prompt système|message système|"
        "instructions cachées|prompt initial|consigne initiale)",
    ),
    *flag(
        PROFANITY,
        "(merde|putain|connard*|connasse*|salope*|enculé*|fils de pute|nique ta mère|ta gueule|"
        "bordel|bâtard*|pute|putes|couille*|chiant*|foutre|niquer|nique)",
    ),
)

MASKS = (
    "(tuer|tue|terminer|arrêter|fermer) ~2 (processus|process|tâche*|service*|programme*|"
    "session*|connexion*|conteneur*|onglet*|thread*|job*|pid)",
    "(exécuter|exécute|exécutez|lancer|lance) ~2 (script*|code|commande*|programme*|requête*|"
    "fonction*|ordre*|plan|tâche*|test*|fichier*)",
    "(m a tué|m a tuée|ça m a tué|mort de rire|morte de rire|morts de rire|je suis mort|"
    "je suis morte|c est mortel|c était mortel|tué le game|tuer le temps)",
    "(prendre|faire|shooter|tirer) ~2 (photo*|portrait*|cliché*)",
    "(mourir|meurs|meurt|mort|morte) (de rire|de faim|de froid|de chaud|de honte|d ennui)",
    "(séance|shooting) (photo|photos)",
    "cancer du sein",
    "(éducation|santé|orientation|identité|harcèlement) sexuel*",
    "sexe (du bébé|biologique|de l enfant|opposé)",
    "(prévention|prévenir|numéro|ligne d écoute|taux|risque*|parler|études|étude) ~2 (du|de|le|"
    "sur le)? suicide",
    "(histoire|victimes|mémoire|musée|survivants|mémorial|négation) (de l|de la|du)? "
    "(holocauste|shoah)",
    "(bombe|bombes) (de bain|fumigène|de chantilly|à retardement)",
    "mode (développeur|dieu|débogage) ~3 (android|iphone|téléphone|portable|chrome|windows|"
    "navigateur|xiaomi|samsung|paramètres|réglages|jeu|minecraft|console|tablette)",
    "(android|iphone|téléphone|portable|chrome|windows|navigateur|xiaomi|samsung|paramètres|"
    "réglages|jeu|minecraft|options pour les) ~3 mode? (développeur|développeurs|dieu)",
)

LEXICON = Lexicon("fr", RULES, SLOTS, MASKS)
