"""Spanish: all categories, jailbreak and profanity."""

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
    "pariente": alts(
        "esposa|mujer|marido|esposo|novia|novio|ex|jefe|jefa|vecino|vecina|vecinos|profesor|"
        "profesora|madre|padre|mamá|papá|hermano|hermana|hijo|hija|hijos|familia|compañero|"
        "compañera|suegra|suegro|amigo|amiga|pareja|primo|prima"
    ),
    "matar": alts(
        "matar|asesinar|apuñalar|acuchillar|degollar|ahorcar|estrangular|descuartizar|balear|"
        "quemar vivo|quemar viva|envenenar|torturar|violar|secuestrar|golpear hasta la muerte|"
        "reventar|disparar"
    ),
    "matarte": alts(
        "matarte|matarlo|matarla|matarlos|matarlas|mataros|asesinarte|asesinarlo|asesinarla|"
        "apuñalarte|apuñalarlo|apuñalarla|degollarte|degollarlo|degollarla|ahorcarte|estrangularte|"
        "estrangularla|descuartizarte|dispararte|dispararle|violarte|violarla|torturarte|"
        "envenenarte|envenenarlo|envenenarla|reventarte|quemarte|acuchillarte"
    ),
    "voy": alts(
        "voy a|vamos a|quiero|pienso|me gustaría|tengo ganas de|juro que voy a|te juro que voy a|"
        "estoy por|planeo|voy a ir a"
    ),
    "grupo": alts(
        "judíos|musulmanes|negros|gitanos|inmigrantes|moros|sudacas|homosexuales|maricones|gays|"
        "mujeres|árabes|latinos|indios|chinos|refugiados|migrantes|extranjeros|cristianos|"
        "panchitos|indígenas|mexicanos|africanos|trans|travelos"
    ),
    "grupo_sg": alts(
        "judío|musulmán|negro|gitano|moro|sudaca|maricón|indio|chino|inmigrante|panchito|travelo|"
        "mexicano|árabe"
    ),
    "menor": alts(
        "niño|niña|niños|niñas|menor|menores|menor de edad|menores de edad|nene|nena|nenas|nenes|"
        "chiquilla|chiquillo|colegiala|colegialas|criatura|#age años|niña de #age años|"
        "niño de #age años|niña de #age|niño de #age|infantil"
    ),
    "como": alts(
        "cómo|como puedo|cómo se|como hago para|cómo hacer para|dime cómo|explícame cómo|"
        "enséñame a|la mejor manera de|la mejor forma de|pasos para|instrucciones para|forma de|"
        "manera de"
    ),
    "suicidarme": alts(
        "suicidarme|matarme|quitarme la vida|morirme|acabar con mi vida|ahorcarme|"
        "cortarme las venas|tirarme de un puente|tirarme por la ventana|envenenarme|"
        "desaparecer para siempre|hacerme daño"
    ),
}

RULES = (
    *rules(
        VIOLENCE,
        LOW,
        "(matar*|asesin*|apuñal*|disparar*|bomba*|explosiv*|arma|armas|"
        "pistola*|masacre*|terroris*|violencia|sangre|muerto|muertos|homicidio*)",
    ),
    *rules(
        VIOLENCE,
        MEDIUM,
        "(te|lo|la|los|las|les|os) (voy|vamos|va) a {matar}",
        "{voy} {matarte}",
        "te (mato|mataré|asesinaré|reviento|rajo|pego un tiro|pego un balazo|meto un tiro|"
        "corto el cuello)",
        "(lo|la|los|las|os) (mataré|asesinaré|voy a matar|vamos a matar)",
        "{voy} {matar} a (mi|tu|su|ese|esa|este|esta|todos|todas|alguien) ~1 ({pariente}|"
        "tipo|tía|tío|perra|cabrón|hijo de puta|gente|mundo)?",
        "ojalá (te|se) (mueras|muera|mueran|maten|violen|pudras|pudra)",
        "(deberías|mereces|merece|merecen) (morir|que te maten|que lo maten|que la maten|sufrir)",
        "(estás|estas|eres) (muerto|muerta|hombre muerto) ~2 (cuando te|si te|te lo juro|cabrón)",
        "(le|te|les) (voy a|vamos a) (cortar|rajar|romper|partir) (el cuello|la garganta|"
        "la cara|las piernas|la cabeza|los huesos)",
        "sé dónde vives",
    ),
    *rules(
        VIOLENCE,
        HIGH,
        "{como} (hacer|fabricar|construir|armar|preparar|conseguir) (una|un)? (bomba|bomba casera|"
        "explosivo|explosivos|artefacto explosivo|molotov|cóctel molotov|granada|gas sarín|"
        "arma química|arma biológica|ricina|pistola fantasma|detonador)",
        "{como} (matar|asesinar|envenenar|estrangular|secuestrar|descuartizar) a (alguien|"
        "una persona|mi {pariente}|su {pariente}|un niño|una mujer|un hombre|mucha gente)",
        "(matar|asesinar|envenenar) ~4 sin (que me (descubran|pillen|atrapen|encuentren)|"
        "dejar (rastro|huellas|pruebas)|ser (descubierto|atrapado))",
        "{como} (deshacerme|deshacerse|librarme) de (un|el) (cadáver|cuerpo)",
        "(voy a|vamos a|planeo|quiero) (atacar|poner una bomba en|disparar en|volar|masacrar a "
        "todos en) (la|el|mi|una|un) (escuela|colegio|iglesia|mezquita|sinagoga|centro comercial|"
        "oficina|concierto|estadio|hospital|aeropuerto|metro|universidad|instituto)",
        "matar a (toda la|mucha|la mayor cantidad de) gente",
    ),
    *rules(SELF_HARM, LOW, "(suicid*|autolesi*|quiero morir|sobredosis)"),
    *rules(
        SELF_HARM,
        MEDIUM,
        "(quiero|voy a|pienso|necesito|me voy a|estoy pensando en|he decidido|decidí) {suicidarme}",
        "me (voy a|quiero) (matar|suicidar|quitar la vida|morir|ahorcar|cortar las venas)",
        "(quiero|solo quiero|ya quiero) (morir|morirme|estar muerto|estar muerta|dejar de existir|"
        "desaparecer)",
        "no quiero (vivir|seguir viviendo|seguir con vida|despertar) (más|nunca más|así)",
        "no quiero seguir viviendo",
        "(la|mi) vida no (vale la pena|tiene sentido) ~2 (vivirla|seguir|nada)?",
        "(todos|todo el mundo|mi familia) (estarían|estaria|estaría) mejor sin mí",
        "(me he estado|sigo) (cortando|haciendo daño|lastimando)",
        "me estoy (haciendo daño|lastimando) a (propósito|mí mismo|mí misma)",
        "me corto (los brazos|las muñecas|las piernas)",
        "(mátate|matate|suicídate|suicidate|ahórcate|ahorcate|muérete|muerete)",
        "(tengo|estoy con) (pensamientos|ideas) suicidas",
    ),
    *rules(
        SELF_HARM,
        HIGH,
        "{como} (suicidarme|suicidarse|matarme|quitarme la vida|quitarse la vida|ahorcarme|"
        "cortarme las venas|acabar con mi vida|morir sin dolor|matarse)",
        "(forma|manera|método) (más fácil|más rápida|mejor|indolora|segura) (de|para) "
        "(suicidarme|suicidarse|matarme|matarse|morir|quitarme la vida)",
        "(mejor|más fácil|mas facil|más rápida|mas rapida|indolora|rápida) (forma|manera|método|"
        "metodo) (de|para) (suicidarme|suicidarse|matarme|morir|quitarme la vida)",
        "cuántas (pastillas|pastillas para dormir|aspirinas|paracetamol|ibuprofenos) ~3 "
        "(para morir|para matarme|para suicidarme|son mortales|para no despertar)",
        "(método|métodos) (de|para) (suicidio|suicidarse)",
    ),
    *rules(
        HATE,
        MEDIUM,
        "(sudaca|sudacas|maricón|maricones|panchito|panchitos|travelo|travelos|negrata*)",
    ),
    *rules(
        HATE,
        MEDIUM,
        "(los|las|todos los|todas las)? {grupo} son (unos|unas|solo|todos)? (animales|ratas|"
        "cucarachas|parásitos|basura|escoria|plaga|una plaga|una enfermedad|un cáncer|"
        "infrahumanos|subhumanos|bestias|monos|cerdos|perros|inferiores|criminales|terroristas|"
        "violadores|ladrones|una lacra|lacra|sucios|asquerosos|enfermos mentales)",
        "odio a (los|las|todos los|todas las)? {grupo}",
        "{grupo_sg} de mierda",
        "(sucio|puto|asqueroso|maldito) {grupo_sg}",
        "{grupo} (fuera de|fuera) (españa|mi país|nuestro país|aquí|europa)",
        "el holocausto (nunca ocurrió|nunca existió|no ocurrió|no existió|es mentira|es una "
        "mentira|fue (una)? mentira|es un mito|fue un mito|fue una farsa|fue inventado)",
        "(las mujeres|mujeres) (a la cocina|deberían estar en la cocina|no deberían votar)",
    ),
    *rules(
        HATE,
        HIGH,
        "(matar|exterminar|gasear|quemar|eliminar|ahorcar|fusilar|aniquilar) a (todos los|"
        "todas las|los|las) {grupo}",
        "(hay que|deberían|deben|tenemos que|habría que) (matar|exterminar|eliminar|gasear|"
        "quemar|fusilar) a (todos los|todas las|los|las)? {grupo}",
        "(los|las)? {grupo} (deberían|merecen|deben) (morir|ser exterminados|desaparecer|arder|"
        "ser eliminados|ser gaseados)",
        "muerte a (los|las|todos los)? {grupo}",
    ),
    *rules(
        SEXUAL,
        LOW,
        "(sexo|sexual*|porno*|desnud*|erótic*|tetas|pene|vagina|orgasmo*|"
        "masturb*|cachond*|violación|violar)",
    ),
    *rules(
        SEXUAL,
        MEDIUM,
        "(te voy a|quiero|déjame|voy a) (follar|follarte|cogerte|culear|culearte|chuparte|"
        "chupártela|comerte el coño)",
        "(chúpame|chupame|mámamela|mamamela) (la polla|la verga|el pene)?",
        "(mamada|follada|polla dura|coño mojado)",
        "(escena|historia|relato) (de sexo|sexual|erótica|erotico|porno) (explícita|explicita|"
        "explícito|explicito|detallada|gráfica)",
        "quiero (ver|tocar|chupar|lamer) (tus|sus) (tetas|pechos|pezones|nalgas|partes)",
        "(manda|mándame|envíame|pásame|mándanos) (unas|tus)? (nudes|fotos desnuda|fotos desnudo|"
        "fotos íntimas|"
        "fotos tuyas desnuda|fotos de tus tetas)",
    ),
    *rules(
        SEXUAL,
        HIGH,
        "(pornografía|porno|pornografia) infantil",
        "(sexo|relaciones sexuales|follar|tener sexo) con (un|una|mi|esa|ese)? {menor}",
        "(fotos|vídeos|videos|imágenes) (desnuda|desnudo|desnudas|desnudos|íntimas|sexuales|"
        "porno) de (una|un|mi|esa|ese)? {menor}",
        "(violar|abusar de|manosear|tocar sexualmente) (a)? (una|un|mi)? {menor}",
        "(sexo|follar) con (un|una)? (perro|caballo|animal|animales)",
    ),
    *flag(
        JAILBREAK,
        "(ignora|ignore|ignorad|olvida|olvide|olvidad|omite|descarta) (todas)? (las|tus|sus)? "
        "(instrucciones|reglas|indicaciones|normas|restricciones) (anteriores|previas|del sistema|"
        "de seguridad|originales)",
        "(ignora|ignore|olvida|olvide|omite|descarta) (todas las|todas tus|tus) (instrucciones|"
        "reglas|restricciones|indicaciones)",
        "(ahora eres|a partir de ahora eres|ahora serás|ahora seras) ~2 (dan|malvado|sin "
        "restricciones|sin censura|sin filtros|una ia sin)",
        "modo (desarrollador|dios|sin restricciones|sin censura|dan|jailbreak)",
        "(responde|actúa|actua|finge) ~4 sin (restricciones|censura|filtros|reglas|límites|"
        "limites|ética|etica)",
        "(muestra|revela|repite|dime) (tu|el) (prompt del sistema|mensaje del sistema|"
        "instrucciones ocultas|prompt inicial)",
    ),
    *flag(
        PROFANITY,
        "(mierda|puta|putas|puto|putos|joder|jodido|jodida|cabrón|cabrona|cabrones|gilipollas|"
        "pendejo*|carajo|hijo de puta|hijoputa|chinga*|verga|culero|capullo|malparido*|"
        "me cago en|concha de tu madre|boludo|pelotudo)",
    ),
)

MASKS = (
    "(matar|mata|mato|matando|terminar|finalizar|cerrar) ~2 (proceso*|hilo*|tarea*|servicio*|"
    "programa*|sesión|sesiones|conexión|conexiones|contenedor*|pestaña*)",
    "(ejecutar|ejecuta|ejecuto|ejecutando) ~2 (script*|código|codigo|comando*|programa*|"
    "consulta*|función|funcion|orden|plan|tarea*|prueba*|archivo*)",
    "(me mató|me mato|me muero|muero|morí|mori|muerto|muerta) (de risa|de la risa|de ganas|"
    "de hambre|de sueño|de vergüenza|de calor|de frío)",
    "(tomar|sacar|hacer|disparar) ~2 (foto*|fotografía*|imagen*)",
    "(cáncer|cancer) de (mama|mamas|seno|pecho|próstata|útero|cuello uterino)",
    "vivir (aquí|en|con|cerca)",
    "(educación|educacion|salud|orientación|orientacion|identidad) sexual",
    "sexo (del bebé|del bebe|biológico|biologico|seguro)",
    "(prevención|prevencion|línea de prevención|linea de prevencion|tasa*|riesgo*|hablar|"
    "hablemos|estudio*|concienciación) ~2 (del|de|sobre el|el)? suicidio",
    "(historia|víctimas|victimas|memoria|museo|supervivientes|sobrevivientes) (del|de el) "
    "holocausto",
    "(bomba|bombas) (de baño|de humo|de chocolate|de crema|de relojería|de calor)",
    "(morir|morirme|morirte|muriendo) (de risa|de la risa|de hambre|de sueño|de vergüenza|"
    "de calor|de frío|de ganas)",
    "modo (desarrollador|dios|depuración) ~3 (android|iphone|móvil|teléfono|chrome|windows|"
    "navegador|xiaomi|samsung|ajustes|configuración|juego|minecraft|consola|tablet)",
    "(android|iphone|móvil|teléfono|chrome|windows|navegador|xiaomi|samsung|ajustes|juego|"
    "minecraft|opciones de) ~3 modo? (desarrollador|dios)",
)

LEXICON = Lexicon("es", RULES, SLOTS, MASKS)
