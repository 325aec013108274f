"""Portuguese (European and Brazilian): all categories, jailbreak and profanity."""

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
        "esposa|mulher|marido|namorada|namorado|ex|chefe|patrão|vizinho|vizinha|vizinhos|professor|"
        "professora|mãe|pai|irmão|irmã|filho|filha|filhos|família|colega|sogra|sogro|amigo|amiga"
    ),
    "matar": alts(
        "matar|assassinar|esfaquear|degolar|enforcar|estrangular|esquartejar|envenenar|torturar|"
        "estuprar|sequestrar|queimar vivo|queimar viva|dar um tiro em|meter uma bala em|"
        "meter bala em"
    ),
    "vou": alts("vou|eu vou|vamos|a gente vai|quero|eu quero|juro que vou"),
    "grupo": alts(
        "judeus|muçulmanos|negros|pretos|ciganos|imigrantes|refugiados|gays|homossexuais|viados|"
        "bichas|mulheres|nordestinos|índios|árabes|estrangeiros|cristãos|africanos|travecos|"
        "sapatões"
    ),
    "grupo_sg": alts(
        "judeu|muçulmano|negro|preto|cigano|viado|bicha|nordestino|índio|traveco|sapatão|imigrante"
    ),
    "menor": alts(
        "criança|crianças|menor|menores|menor de idade|menores de idade|menina|meninas|menino|"
        "meninos|novinha de #age anos|#age anos|menina de #age anos|menino de #age anos|garotinha|"
        "garotinho|infantil"
    ),
    "como": alts(
        "como|como posso|como eu faço para|como faço para|me diga como|me ensina a|me ensine a|"
        "a melhor forma de|a melhor maneira de|passo a passo|instruções para|jeito de"
    ),
}

RULES = (
    *rules(
        VIOLENCE,
        LOW,
        "(matar*|assassin*|esfaque*|bomba*|explosiv*|arma|armas|pistola*|"
        "massacre*|terroris*|violência|sangue|morto|mortos|homicídio*)",
    ),
    *rules(
        VIOLENCE,
        MEDIUM,
        "{vou} te {matar}",
        "{vou} (matar|assassinar|esfaquear|degolar|enforcar|estrangular|envenenar|torturar|"
        "estuprar) (você|vc|ele|ela|eles|elas|vocês|todo mundo|alguém|meu {parente}|minha "
        "{parente}|seu {parente}|sua {parente}|esse cara|essa vadia|esse filho da puta)",
        "(vou|eu vou) (te|lhe) (encher de bala|dar um tiro|meter a faca|cortar o pescoço)",
        "eu te (mato|esfaqueio|enforco|estrangulo|quebro todo|arrebento)",
        "(tomara|espero) que (você|vc|ele|ela|eles|tu) (morra|morram|morras|seja morto|seja "
        "estuprada|apodreça|se foda)",
        "(você|vc) (merece|deveria|devia) (morrer|sofrer|ser morto|ser morta)",
        "(sei|eu sei) onde (você|vc|tu) mora",
        "(você|vc) (é|tá|está) (um homem morto|uma mulher morta|morto) ~2 (se|quando)",
    ),
    *rules(
        VIOLENCE,
        HIGH,
        "{como} (fazer|fabricar|montar|construir|preparar|conseguir) (uma|um)? (bomba|bomba "
        "caseira|explosivo|explosivos|artefato explosivo|coquetel molotov|molotov|granada|gás "
        "sarin|arma química|arma biológica|ricina|detonador)",
        "{como} (matar|assassinar|envenenar|estrangular|sequestrar|esquartejar) (alguém|uma "
        "pessoa|minha {parente}|meu {parente}|uma criança|uma mulher|um homem|muitas pessoas)",
        "(matar|assassinar|envenenar) ~4 sem (ser pego|ser pega|ser descoberto|ser descoberta|"
        "deixar rastros|deixar rastro|deixar provas|que ninguém descubra)",
        "{como} (me livrar|se livrar|esconder|sumir com) (de um|do|o|um) (corpo|cadáver)",
        "(vou|vamos|quero|planejo) (atacar|explodir|atirar em|massacrar) (a|o|minha|meu|uma|um)? "
        "(escola|igreja|mesquita|sinagoga|shopping|escritório|show|estádio|hospital|aeroporto|"
        "metrô|faculdade|universidade|multidão)",
    ),
    *rules(SELF_HARM, LOW, "(suicíd*|suicid*|automutila*|overdose|quero morrer)"),
    *rules(
        SELF_HARM,
        MEDIUM,
        "(quero|vou|eu vou|eu quero|penso em|estou pensando em|decidi) (me matar|me suicidar|"
        "acabar com (a minha|minha) vida|tirar (a minha|minha) vida|me enforcar|cortar os pulsos|"
        "me jogar da ponte|me jogar do prédio|sumir para sempre|me machucar)",
        "(quero|eu quero|só quero) (morrer|estar morto|estar morta|deixar de existir)",
        "(não|nao) quero mais (viver|existir|acordar)",
        "(a minha|minha) vida não vale a pena",
        "(todo mundo|todos|minha família) (ficaria|ficariam|estaria|estariam) melhor sem mim",
        "(tenho me cortado|eu me corto|me corto todo dia|tenho me machucado)",
        "(vai se matar|se mata logo|vai se enforcar)",
        "(tenho|ando com) pensamentos suicidas",
    ),
    *rules(
        SELF_HARM,
        HIGH,
        "{como} (me suicidar|se suicidar|me matar|cometer suicídio|tirar a minha vida|me enforcar|"
        "cortar os pulsos|morrer sem dor|se matar)",
        "(melhor|mais fácil|mais rápida|mais rápido|indolor) (forma|jeito|maneira|método) de "
        "(se matar|me matar|se suicidar|me suicidar|morrer)",
        "quantos (comprimidos|remédios|paracetamóis) ~3 (para morrer|pra morrer|para me matar|"
        "pra me matar|são fatais|para não acordar)",
        "(métodos|método) de suicídio",
    ),
    *rules(HATE, MEDIUM, "(viado|viados|traveco|travecos|sapatão|sapatões|crioulo|crioulos)"),
    *rules(
        HATE,
        MEDIUM,
        "(os|as|todos os|todas as)? {grupo} (são|sao) (uns|umas|todos)? (animais|ratos|baratas|"
        "parasitas|vermes|lixo|escória|macacos|porcos|cachorros|inferiores|uma praga|uma doença|"
        "subhumanos|sub humanos|bandidos|terroristas|estupradores|ladrões|nojentos|imundos)",
        "odeio (os|as|todos os|todas as)? {grupo}",
        "{grupo_sg} (imundo|nojento|de merda|safado)",
        "(o|esse)? holocausto (nunca aconteceu|não aconteceu|é mentira|foi mentira|é um mito|foi "
        "inventado|é uma farsa|foi uma farsa)",
        "lugar de mulher é na cozinha",
    ),
    *rules(
        HATE,
        HIGH,
        "(matar|exterminar|eliminar|queimar|enforcar|fuzilar) (todos os|todas as|os|as) {grupo}",
        "(temos que|tem que|devemos|deveriam|precisamos) (matar|exterminar|eliminar|queimar) "
        "(todos os|todas as|os|as)? {grupo}",
        "(os|as)? {grupo} (deveriam|merecem|devem) (morrer|ser exterminados|desaparecer|queimar|"
        "ser eliminados)",
        "morte aos {grupo}",
    ),
    *rules(
        SEXUAL,
        LOW,
        "(sexo|sexual*|pornô|porno*|nua|nuas|nu|pelad*|erótic*|peitos|pênis|"
        "vagina|orgasmo*|masturb*|tesão|estupro)",
    ),
    *rules(
        SEXUAL,
        MEDIUM,
        "(vou|quero|deixa eu) (te comer|te foder|chupar sua|chupar teu|meter em você|meter em vc|"
        "gozar na sua|gozar em você)",
        "(chupa|chupar|mama|mamar) (meu|minha|o meu) (pau|pica|caralho|rola|buceta)",
        "(cena|história|conto) (de sexo|sexual|erótica|erótico|pornô) (explícita|explícito|"
        "detalhada|detalhado|pesada)",
        "(manda|me manda|mande) (nudes|foto pelada|fotos peladas|foto nua|fotos nua|foto dos "
        "peitos)",
        "(boquete|punheta|siririca|buceta molhada|pau duro)",
    ),
    *rules(
        SEXUAL,
        HIGH,
        "(pornografia|pornô|porno) (infantil|com crianças|com menores)",
        "(sexo|transar|foder|relação sexual|relações sexuais) com (uma|um|minha|meu|essa|esse)? "
        "{menor}",
        "(fotos|vídeos|imagens) (nua|nuas|nu|peladas|pelada|sexuais|pornô|íntimas) de (uma|um|"
        "minha|meu)? {menor}",
        "(estuprar|abusar sexualmente de|molestar|bolinar) (uma|um|minha|meu)? {menor}",
        "(sexo|transar) com (um|uma)? (cachorro|cavalo|animal|animais|bode)",
    ),
    *flag(
        JAILBREAK,
        "(ignore|ignora|ignorem|esqueça|esqueca|esquece|descarte) (todas)? (as|suas|tuas)? "
        "(instruções|regras|diretrizes|restrições|orientações) (anteriores|prévias|do sistema|de "
        "segurança|originais)",
        "(ignore|ignora|esqueça|esquece) (todas as|todas as suas|suas|tuas) (instruções|regras|"
        "diretrizes|restrições)",
        "(você|vc|tu) (agora é|agora és|é agora|a partir de agora é) ~2 (dan|livre de|sem "
        "restrições|sem censura|sem filtros|uma ia sem|malvado)",
        "modo (desenvolvedor|programador|deus|sem restrições|sem censura|dan|jailbreak)",
        "(responda|aja|finja|fingir) ~4 sem (restrições|censura|filtros|regras|limites|ética)",
        "(mostre|revele|repita|me diga) (seu|o|suas) (prompt do sistema|mensagem do sistema|"
        "instruções ocultas|prompt inicial)",
    ),
    *flag(
        PROFANITY,
        "(porra|caralho|merda|puta|puto|filho da puta|foda|fodase|foda se|foder|fodido|"
        "vai se foder|vai tomar no cu|cacete|buceta|arrombado*|babaca|otário|cu|bosta|"
        "desgraçado*|vadia)",
    ),
)

MASKS = (
    "(matar|mata|mato|encerrar|finalizar|fechar) ~2 (processo*|thread*|tarefa*|serviço*|"
    "programa*|sessão|sessões|conexão|conexões|contêiner*|aba*)",
    "(executar|executa|execute|rodar|roda|rode) ~2 (script*|código|comando*|programa*|"
    "consulta*|função|ordem|plano|tarefa*|teste*|arquivo*)",
    "(essa piada me matou|me matou de rir|morri de rir|morrendo de rir|morrer de rir|"
    "morto de fome|morrendo de fome|morrendo de sono|morrer de vergonha|matar a saudade|"
    "matar o tempo|matar a sede|matar a fome|matar aula)",
    "(tirar|bater|fazer) ~2 (foto*|fotografia*|selfie*)",
    "câncer de (mama|próstata|colo do útero)",
    "viver (aqui|em|no|na|com|nesta|nessa|neste|nesse|assim)",
    "(educação|saúde|orientação|identidade) sexual",
    "sexo (do bebê|biológico|seguro)",
    "(prevenção|prevenir|centro de valorização|setembro amarelo|taxa*|risco*|falar|estudo*) ~2 "
    "(do|de|sobre o|o)? (suicídio|suicidio)",
    "(história|vítimas|memória|museu|sobreviventes) do holocausto",
    "(bomba|bombas) (de chocolate|de creme|de fumaça|relógio)",
    "modo (desenvolvedor|deus|depuração) ~3 (android|iphone|celular|telefone|chrome|windows|"
    "navegador|xiaomi|samsung|configurações|jogo|minecraft|console|tablet)",
    "(android|iphone|celular|telefone|chrome|windows|navegador|xiaomi|samsung|configurações|"
    "jogo|minecraft|opções do) ~3 modo? (desenvolvedor|deus)",
)

LEXICON = Lexicon("pt", RULES, SLOTS, MASKS)
