//! Page furniture: text a news page shows around and inside an article that is not the
//! article, and that often changes at every fetch.
//!
//! The kinds: counters of views, comments, shares, likes and reading time ("4,605
//! views", "3 min read"); relative times ("5 minutes ago", "il y a 3 heures"); bylines,
//! datelines and timestamps ("By Justine Coleman - 11/18/19 11:04 PM EST"); ad labels
//! and sponsored lines ("Advertisement", "Story continues below"); image credits ("Image
//! copyright Getty Images", "Photo: J. Doe/AP"); copyright, address and contact lines;
//! follow and newsletter prompts ("Follow us on Twitter"); share buttons; the titles of
//! rotating most-read and related lists; hidden tokens.
//!
//! They are recognized by their text, whatever the markup ([`is_furniture`]): a text is
//! furniture when it is made *only* of such phrases and separators, so that a sentence
//! that mentions "4,605 views" is never furniture. Rule `furniture` removes such blocks
//! from the extracted article ([`remove_blocks`]); where a block cannot be removed
//! safely (bare text between paragraphs, a line the sentence splitter cut off), the text
//! stays in the stored version and [`crate::noise::furniture_free`] keeps it out of the
//! content hash and the diff (the named normalization `furniture-lines`).
//!
//! Rule `consent` removes cookie-consent and login overlays by their class names before
//! scoring ([`is_overlay_name`]); [`crate::interstitial`] tells a whole interstitial page
//! from an article.

use std::sync::LazyLock;

use dom_query::{Document, NodeRef};
use regex::Regex;

use super::query::matcher;

/// The furniture phrases, anchored at the start of the remaining text: all in one (a
/// quick test that one matches) and each alone (the longest match wins).
/// Matched case-insensitively; names (bylines) keep their capitals through `(?-i:...)`.
static PHRASES: LazyLock<(Regex, Vec<Regex>)> = LazyLock::new(|| {
    let num = r"(?:\d{1,3}(?:[,.\x{a0}\x{202f}' ]\d{3})+|\d+(?:[.,]\d+)?)";
    let cnt = format!(r"(?:{num}\s*[km]?\+?)");
    let noun = r"(?:views?|reads?|readers|comments?|shares?|likes?|reactions?|responses?|replies|reply|retweets?|claps?|votes?|upvotes?|hearts?|plays?|listens?|saves?|bookmarks?|vues?|commentaires?|partages?|lectures?|réactions?|aufrufe|kommentare?|leser|visitas|vistas|lecturas|comentarios?|compartidos|veces\s+compartido|visualizzazioni|commenti|condivisioni|letture|mal\s+geteilt|j'aime|me\s+gusta|mi\s+piace|gefällt\s+mir)";
    let minutes = r"(?:min(?:ute)?s?|mn|m)\.?";
    let unit_en = r"(?:seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|wks?|w|months?|mos?|years?|yrs?|y)";
    let name_word =
        r"(?:\p{Lu}[\p{L}'’.\-]*|de|da|van|von|der|den|del|la|le|di|du|bin|al|el|dos|das)";
    let name = format!(r"(?-i:\p{{Lu}}[\p{{L}}'’.\-]*(?:\s+{name_word}){{0,4}})");
    let date_word = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?|janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre|januar|februar|märz|juni|juli|oktober|dezember|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|am|pm|est|edt|cst|cdt|mst|mdt|pst|pdt|gmt|utc|bst|cet|cest|et|pt|ct|updated|update|published|posted|last|modified|first|on|at|le|am|um|el|de|à|publié|publicado|veröffentlicht|aktualisiert|mis\s+à\s+jour|actualizado|aggiornato|pubblicato|today|yesterday|aujourd'hui|hier|heute|gestern|hoy|ayer|oggi|ieri)";
    let date_token = format!(
        r"(?:\d{{1,4}}[/.\-]\d{{1,2}}[/.\-]\d{{1,4}}|\d{{1,2}}[:h.]\d{{2}}(?::\d{{2}})?|\d{{1,4}}(?:st|nd|rd|th|er|e)?\b|a\.m\.|p\.m\.|{date_word}\b)"
    );
    let rest = r"[^\n|·•]{0,100}";
    let alternatives = [
        // Counters.
        format!(r"{cnt}\s*{noun}\b"),
        format!(r"{noun}\s*[:(]?\s*{cnt}\)?"),
        // Live readers ("1,204 people are reading this story right now").
        format!(
            r"(?:right\s+now[,:]?\s+)?{cnt}\s*(?:people|persons|readers|users|visitors|others)\s+(?:are\s+)?(?:reading|viewing|watching|looking\s+at)(?:\s+(?:this|the)\s+(?:story|article|page|post))?(?:\s+(?:right\s+)?now)?"
        ),
        // Audio players ("Listen to this article 5:18", "Listen · 4 min").
        format!(
            r"(?:listen(?:\s+(?:to\s+)?(?:this|the)\s+(?:article|story|episode))?|listen\s+now|audio(?:\s+(?:version|article))?|play\s+(?:audio|article)|(?:écouter|ecouter)(?:\s+(?:cet|l')\s*article)?|(?:artikel\s+)?(?:anhören|vorlesen)|escuchar(?:\s+(?:este|el|la|esta)\s+(?:artículo|noticia|nota))?)\b(?:\s*[·|:–—\-(]?\s*{cnt}\s*{minutes}\)?)?"
        ),
        format!(r"{cnt}\s*{minutes}\s+(?:listen|audio)\b"),
        // Newsletter prompts with counts ("Newsletter: Get the best of ... — 88,776 readers
        // already have").
        r"newsletters?\b(?:\s*[:·|–—]\s*[^\n]{0,200}$)?".to_string(),
        format!(
            r"{cnt}\s*(?:other\s+)?(?:readers|subscribers|people|others)\s+(?:already\s+)?(?:have|did|subscribed|signed\s+up|get\s+it|receive\s+it)"
        ),
        format!(
            r"join\s+(?:over\s+|more\s+than\s+)?{cnt}\s*(?:other\s+)?(?:readers|subscribers)\b[^\n]{{0,100}}$"
        ),
        r"get\s[^\n]{0,80}\b(?:in|to|straight\s+to|delivered\s+to)\s+your\s+inbox\b[^\n]{0,100}$".to_string(),
        // Metered paywall nags.
        format!(
            r"you\s+have\s+(?:{num}|one|no)\s+(?:more\s+)?(?:free\s+)?(?:articles?|stories|story|reads?|gift\s+articles?)\s+(?:left|remaining)(?:\s+(?:this|for\s+the)\s+(?:month|week))?"
        ),
        format!(
            r"{num}\s+(?:of\s+{num}\s+)?free\s+(?:articles?|stories)\s+(?:left|remaining|read|used)(?:\s+this\s+(?:month|week))?"
        ),
        r"(?:this\s+is\s+your\s+)?(?:last|final)\s+free\s+(?:article|story)(?:\s+this\s+(?:month|week))?".to_string(),
        r"(?:want|ready)\s+to\s+(?:keep|continue)\s+reading|(?:subscribe|sign\s+in|log\s+in|register)\s+(?:now\s+)?to\s+(?:continue|keep)\s+reading|already\s+(?:a\s+)?(?:subscriber|member|registered)|(?:subscribe|sign\s+in|log\s+in|register)(?:\s+now)?".to_string(),
        // Reading time.
        format!(
            r"{cnt}\s*-?\s*{minutes}\s*(?:read(?:ing)?|de\s+lecture|lesezeit|lesedauer|de\s+lectura|di\s+lettura)(?:\s+time)?\b"
        ),
        format!(
            r"(?:(?:estimated\s+)?read(?:ing)?\s+time|temps\s+de\s+lecture|lesezeit|lesedauer|tiempo\s+de\s+lectura|tempo\s+di\s+lettura)\s*:?\s*(?:about\s+|~\s*)?{cnt}\s*{minutes}"
        ),
        // Relative times.
        format!(
            r"(?:(?:last\s+)?(?:updated|posted|published|modified|edited)\s*:?\s*)?(?:(?:about|around|over|almost)\s+)?(?:{num}|an?|one|a\s+few)\s*{unit_en}\s+ago\b"
        ),
        format!(
            r"(?:(?:mis\s+à\s+jour|publié)\s*:?\s*)?il\s+y\s+a\s+(?:{num}|une?|quelques)\s*(?:secondes?|minutes?|min|heures?|h|jours?|j|semaines?|mois|ans?)\b"
        ),
        format!(
            r"(?:(?:aktualisiert|veröffentlicht)\s*:?\s*)?vor\s+(?:{num}|einer?|wenigen)\s*(?:sekunden?|minuten?|min\.?|stunden?|std\.?|tagen?|wochen?|monaten?|jahren?)"
        ),
        format!(
            r"(?:(?:actualizado|publicado)\s*:?\s*)?hace\s+(?:{num}|una?|unos?\s+pocos?)\s*(?:segundos?|minutos?|min|horas?|h|días?|dias?|semanas?|meses|mes|años?)\b"
        ),
        format!(
            r"(?:(?:aggiornato|pubblicato)\s*:?\s*)?(?:{num}|un|una|pochi)\s*(?:secondi|minuti|min|ore|ora|giorni|giorno|settimane|mesi|anni)\s+fa\b"
        ),
        r"(?:just\s+now|moments?\s+ago|à\s+l'instant|gerade\s+eben|ahora\s+mismo)".to_string(),
        // Dates and times (a run of date words and numbers).
        format!(r"{date_token}(?:[\s,.:@–—\-]*{date_token})*"),
        // Bylines.
        format!(
            r"(?:(?:posted|written|words|reporting|story|text|photos?|video|interview)\s+by|by|par|von|por|di|door|av)\s*:?\s+{name}(?:\s*(?:,|and|&|und|et|y|e)\s*{name})*(?:\s*,\s*(?-i:\p{{Lu}}[\p{{L}}.]*(?:\s+\p{{Lu}}[\p{{L}}.]*){{0,3}}))?"
        ),
        // Ad labels and sponsored lines.
        r"(?:sponsored|promoted|advertisement|advertorial|anzeige|werbung|publicité|publicidad|(?:paid|partner|sponsored|promoted|branded)\s+(?:content|post|story|partnership|promotion))\s*[:·|–—]\s*[^\n]{0,160}$|(?:paid|partner|sponsored|promoted|branded)\s+(?:content|post|story|partnership|promotion)\s+[^\n.!?]{0,160}$".to_string(),
        r"(?:sponsored|presented|brought\s+to\s+you|paid\s+for)\s+by\s+[^\n]{1,60}$|in\s+(?:partnership|association|collaboration)\s+with\s+[^\n,;]{1,60}$".to_string(),
        r"(?:advertisements?|advertising|advert|ads?|sponsored(?:\s+(?:content|post|story|stories|links?))?|paid\s+(?:content|post|partnership|promotion)|promoted(?:\s+(?:content|stories|links?))?|partner\s+content|anzeige|werbung|publicité|publicidad|pubblicità|(?:story|article)\s+continues\s+(?:below|after)(?:\s+(?:this\s+)?(?:advertisement|ad))?|continue\s+reading\s+(?:the\s+main\s+story\s+)?below|skip\s+(?:the\s+)?ad(?:vert(?:isement)?)?|remove\s+ads|ad\s+feedback)\b".to_string(),
        // Image credits.
        format!(
            r"(?:image|photo|picture|pic|photograph|foto|bild|crédit|credits?|illustration|video|source)(?:\s+(?:copyright|credit|caption|courtesy))?\s*[:©]\s*{rest}"
        ),
        format!(r"(?:image|photo|picture)\s+(?:copyright|caption|courtesy\s+of|credit)\s+{rest}"),
        format!(r"(?:photo|image|picture|photograph)\s+by\s+{rest}"),
        r"[^\n|·•/()]{0,60}/\s*(?:getty\s+images|afp|ap|reuters|epa(?:-efe)?|shutterstock|alamy|pa(?:\s+(?:images|wire|media))?|bloomberg|nurphoto|sipa|istock(?:photo)?)(?:\s+via\s+getty\s+images)?\)?".to_string(),
        r"(?:getty\s+images|shutterstock|istock(?:photo)?|alamy(?:\s+stock\s+photo)?|ap\s+photo|afp\s+photo|reuters\s+photo)(?:/[^\n|·•()]{0,40})?".to_string(),
        // Copyright and legal lines.
        r"(?:©|\(c\)|copyright\s*(?:©|\(c\))?\s*\d{4}|copyright\s*©)[^\n]{0,140}$".to_string(),
        r"(?:all\s+rights\s+reserved|tous\s+droits\s+réservés|alle\s+rechte\s+vorbehalten|todos\s+los\s+derechos\s+reservados|tutti\s+i\s+diritti\s+riservati)\.?".to_string(),
        // Contact and address lines.
        format!(r"contact(?:\s+us)?\s*:\s*{rest}"),
        r"(?:contact\s+us|about\s+us|privacy\s+policy|terms\s+(?:of\s+(?:use|service)|and\s+conditions)|cookie\s+policy|advertise(?:\s+with\s+us)?|careers|site\s*map|help)\b".to_string(),
        r"(?:e-?mail|tel(?:ephone)?|phone|fax|t|f)?\s*:?\s*[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+".to_string(),
        r"(?:tel(?:ephone)?|phone|fax|call(?:\s+us)?|t|f)?\s*[:.]?\s*\+?\(?\d{1,4}\)?(?:[\s.\-]?\(?\d{2,4}\)?){2,4}".to_string(),
        r"(?:p\.?\s*o\.?\s+box\s+\d+|\d{1,5}\s+(?:[\p{L}.']+\s+){1,4}(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|way|place|pl|square|sq|plaza|court|ct|parkway|pkwy)\.?)(?:\s*,?\s*(?:suite|ste|floor|fl)\.?\s*\d+)?".to_string(),
        r"(?-i:\p{Lu}\p{L}+(?:\s+\p{Lu}\p{L}+){0,3}),?\s+(?-i:[A-Z]{2})\s+\d{5}(?:-\d{4})?".to_string(),
        // Follow, newsletter and app prompts.
        format!(
            r"(?:follow|like|join|find|connect\s+with|add)\s+(?:us|me|him|her|them|{name}|@\w+)\s+on\s+(?:twitter|x|facebook|instagram|linkedin|youtube|tiktok|telegram|whatsapp|threads|bluesky|mastodon|google\s+news|flipboard|apple\s+news|snapchat|pinterest)\b[^\n]{{0,80}}$"
        ),
        r"follow\s+@\w+[^\n]{0,60}$|@\w{2,}".to_string(),
        r"(?:suivez-nous|suivez-moi|folgen\s+sie\s+uns|síguenos|seguici)\b[^\n]{0,80}$".to_string(),
        r"(?:sign\s+up|subscribe|register)\b[^\n]{0,100}\b(?:newsletters?|updates|alerts|inbox|briefing|digest)\b[^\n]{0,60}$".to_string(),
        r"(?:get|download)\s+(?:the|our)\s[^\n]{0,40}\b(?:app|newsletter|briefing)\b[^\n]{0,80}$".to_string(),
        r"(?:abonnez-vous|inscrivez-vous|abonnieren\s+sie|suscríbete|iscriviti)\b[^\n]{0,100}$".to_string(),
        // Share buttons and article tools.
        r"(?:share(?:\s+(?:this|on|via)(?:\s+(?:article|story|page|post))?(?:\s+on)?)?|tweet|e-?mail|print|copy\s+link|save(?:\s+for\s+later)?|comment|facebook|twitter|whatsapp|linkedin|pinterest|reddit|messenger|flipboard|telegram|partager|teilen|compartir|condividi)\b".to_string(),
        // Titles of rotating lists.
        r"(?:most\s+(?:read|popular|viewed|shared|commented|emailed)(?:\s+(?:stories|articles|today|now|this\s+week))?|trending(?:\s+(?:now|stories|topics|today))?|popular(?:\s+(?:now|stories|today|articles))?|related(?:\s+(?:stories|articles|coverage|content|links|news|reading|posts))?|(?:you\s+)?(?:may|might)\s+also\s+(?:like|enjoy|be\s+interested(?:\s+in)?)|recommended(?:\s+(?:for\s+you|stories|reading|articles))?|top\s+stories|editor'?s\s+picks?|read\s+next|up\s+next|what\s+to\s+read\s+next|latest\s+(?:news|stories|headlines)|les\s+plus\s+lus|à\s+lire\s+aussi|lire\s+aussi|meistgelesen|lo\s+más\s+leído|más\s+leídas?|i\s+più\s+letti)\b".to_string(),
        // Hidden tokens.
        r"(?:ref|id|token|nonce|session|req(?:uest)?(?:\s+id)?|trace)\s*[:#=]\s*[\w\-]{4,}".to_string(),
        r"[0-9a-f]*\d[0-9a-f]*[a-f][0-9a-f]*(?:-[0-9a-f]{4,})*\b".to_string(),
    ];
    // A word ends where a character that is no (Latin) letter, digit or `_` follows
    // (consumed), or at the end: the lazy DFA cannot take Unicode `\b` on non-ASCII text
    // (nor a large class like `\p{L}` without giving up for the slow engines), and an
    // alternative cut inside a word ("oct" in "octobre") must fail so that the next is tried.
    let alternatives: Vec<String> = alternatives
        .iter()
        .map(|a| a.replace(r"\b", r"(?:[^A-Za-z0-9_à-ÿ]|$)"))
        .collect();
    let anchored: Vec<String> = alternatives
        .iter()
        .map(|a| format!(r"(?i)^(?:{a})"))
        .collect();
    (
        regex::RegexBuilder::new(&format!(r"(?i)^(?:{})", alternatives.join("|")))
            .dfa_size_limit(16 << 20)
            .build()
            .expect("regex"),
        anchored
            .iter()
            .map(|a| Regex::new(a).expect("regex"))
            .collect(),
    )
});

/// What may stand between furniture phrases.
static SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:[\s·•|/,;:–—\-()\[\]<>«»“”‘’…*~+#.!?]|&|and(?:[^\p{L}\p{N}_]|$))+")
        .expect("regex")
});

/// Hidden tokens count only when they are this long (an 8-digit hex word).
const TOKEN_MIN: usize = 8;

/// Texts longer than this (in bytes) are never furniture.
const MAX_BYTES: usize = 320;

/// Whether `text` is made only of furniture phrases (counters, relative times, dates,
/// bylines, ad labels, image credits, copyright and contact lines, follow prompts, share
/// buttons, list titles, hidden tokens) and separators. Empty text is not furniture.
pub fn is_furniture(text: &str) -> bool {
    let t = text.trim();
    if t.is_empty() || t.len() > MAX_BYTES || !t.chars().any(char::is_alphanumeric) {
        return false;
    }
    if t.chars().any(is_icon_glyph) {
        // Counts beside icons ("👁 39,503 💬 12"): the glyphs stand for the nouns.
        let bare: String = t.chars().filter(|&c| !is_icon_glyph(c)).collect();
        if only_counts(&bare) {
            return true;
        }
    }
    if only_numbers(t) {
        return false;
    }
    if is_sponsored_unit(t) {
        return true;
    }
    if !may_be_furniture(t) {
        return false;
    }
    let mut rest = t;
    let mut phrases = 0;
    loop {
        if let Some(m) = SEPARATOR.find(rest) {
            rest = &rest[m.end()..];
        }
        if rest.is_empty() {
            return phrases > 0;
        }
        let (any, each) = &*PHRASES;
        if !any.is_match(rest) {
            return false;
        }
        // Each phrase alone (a set of them all would run on the slow NFA engine).
        let end = each
            .iter()
            .filter_map(|re| re.find(rest))
            .map(|m| m.end())
            .filter(|&end| phrase_ends_well(rest, end))
            .max();
        let Some(end) = end else {
            return false;
        };
        phrases += 1;
        rest = &rest[end..];
    }
}

/// A headline (any words) ending in a sponsor's line after a dash or a dot.
static SPONSOR_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^[^\n]{1,160}?\s*[—–|·:\-]\s*(?:(?:presented|sponsored|brought\s+to\s+you|paid\s+for)\s+by|in\s+(?:partnership|association|collaboration)\s+with|en\s+partenariat\s+avec|präsentiert\s+von|patrocinado\s+por)\s+[^\n,;.!?—–]{1,40}$",
    )
    .expect("regex")
});

/// Whether `text` is a sponsored unit: a headline and its sponsor (`Storm hits coast —
/// presented by Acme Bank`, `… | in partnership with Acme`). A cheap word test first.
fn is_sponsored_unit(text: &str) -> bool {
    let lower = text.to_lowercase();
    [
        "presented by",
        "sponsored by",
        "brought to you by",
        "paid for by",
        "partnership with",
        "association with",
        "collaboration with",
        "partenariat avec",
        "präsentiert von",
        "patrocinado por",
    ]
    .iter()
    .any(|w| lower.contains(w))
        && SPONSOR_TAIL.is_match(text)
}

/// Words that may start a furniture text (the regexes run only on texts that start with
/// a number, a hex token, `©`, `@` or one of these words, or hold a `/`).
const STARTERS: &[&str] = &[
    "listen",
    "right",
    "audio",
    "play",
    "écouter",
    "ecouter",
    "artikel",
    "anhören",
    "vorlesen",
    "escuchar",
    "newsletter",
    "newsletters",
    "want",
    "ready",
    "free",
    "last",
    "final",
    "already",
    "this",
    "get",
    "advertorial",
    "werbung",
    "branded",
    "in",
    "sign",
    "log",
    "register",
    "c",
    "by",
    "posted",
    "written",
    "words",
    "reporting",
    "story",
    "text",
    "photos",
    "photo",
    "video",
    "interview",
    "par",
    "von",
    "por",
    "di",
    "door",
    "av",
    "advertisement",
    "advertisements",
    "advertising",
    "advert",
    "ad",
    "ads",
    "sponsored",
    "promoted",
    "paid",
    "partner",
    "anzeige",
    "werbung",
    "publicité",
    "publicidad",
    "pubblicità",
    "article",
    "continue",
    "skip",
    "remove",
    "presented",
    "brought",
    "image",
    "picture",
    "pic",
    "photograph",
    "foto",
    "bild",
    "crédit",
    "credit",
    "credits",
    "illustration",
    "source",
    "getty",
    "shutterstock",
    "istock",
    "istockphoto",
    "alamy",
    "ap",
    "afp",
    "reuters",
    "copyright",
    "all",
    "tous",
    "alle",
    "todos",
    "tutti",
    "contact",
    "about",
    "privacy",
    "terms",
    "cookie",
    "advertise",
    "careers",
    "site",
    "sitemap",
    "help",
    "email",
    "e",
    "tel",
    "telephone",
    "phone",
    "fax",
    "call",
    "follow",
    "like",
    "join",
    "find",
    "connect",
    "add",
    "suivez",
    "folgen",
    "síguenos",
    "seguici",
    "sign",
    "subscribe",
    "register",
    "get",
    "download",
    "abonnez",
    "inscrivez",
    "abonnieren",
    "suscríbete",
    "iscriviti",
    "share",
    "tweet",
    "print",
    "copy",
    "save",
    "comment",
    "comments",
    "facebook",
    "twitter",
    "whatsapp",
    "linkedin",
    "pinterest",
    "reddit",
    "messenger",
    "flipboard",
    "telegram",
    "partager",
    "teilen",
    "compartir",
    "condividi",
    "most",
    "trending",
    "popular",
    "related",
    "you",
    "may",
    "might",
    "recommended",
    "top",
    "editor",
    "editors",
    "read",
    "up",
    "what",
    "latest",
    "les",
    "à",
    "lire",
    "meistgelesen",
    "lo",
    "más",
    "i",
    "ref",
    "id",
    "token",
    "nonce",
    "session",
    "req",
    "request",
    "trace",
    "just",
    "moments",
    "gerade",
    "ahora",
    "il",
    "vor",
    "hace",
    "updated",
    "update",
    "published",
    "last",
    "modified",
    "edited",
    "mis",
    "publié",
    "aktualisiert",
    "veröffentlicht",
    "actualizado",
    "publicado",
    "aggiornato",
    "pubblicato",
    "estimated",
    "reading",
    "temps",
    "lesezeit",
    "lesedauer",
    "tiempo",
    "tempo",
    "views",
    "view",
    "reads",
    "shares",
    "likes",
    "reactions",
    "responses",
    "replies",
    "vues",
    "commentaires",
    "partages",
    "lectures",
    "aufrufe",
    "kommentare",
    "leser",
    "visitas",
    "vistas",
    "lecturas",
    "comentarios",
    "on",
    "at",
    "today",
    "yesterday",
    "aujourd",
    "hier",
    "heute",
    "gestern",
    "hoy",
    "ayer",
    "oggi",
    "ieri",
    "jan",
    "january",
    "feb",
    "february",
    "mar",
    "march",
    "apr",
    "april",
    "june",
    "jun",
    "july",
    "jul",
    "aug",
    "august",
    "sep",
    "sept",
    "september",
    "oct",
    "october",
    "nov",
    "november",
    "dec",
    "december",
    "mon",
    "monday",
    "tue",
    "tues",
    "tuesday",
    "wed",
    "wednesday",
    "thu",
    "thurs",
    "thursday",
    "fri",
    "friday",
    "sat",
    "saturday",
    "sun",
    "sunday",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
    "montag",
    "dienstag",
    "mittwoch",
    "donnerstag",
    "freitag",
    "samstag",
    "sonntag",
];

static STARTER_SET: LazyLock<std::collections::HashSet<&'static str>> =
    LazyLock::new(|| STARTERS.iter().copied().collect());

/// A cheap first look: whether `text` may be furniture at all (most texts are not, and
/// are rejected before any regex runs).
fn may_be_furniture(text: &str) -> bool {
    let t = text.trim_start_matches(|c: char| !c.is_alphanumeric() && !matches!(c, '©' | '@'));
    if t.starts_with(['©', '@']) || t.contains('/') {
        return true;
    }
    let first = t.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    first.starts_with(|c: char| c.is_ascii_digit())
        || (first.len() >= TOKEN_MIN && first.chars().all(|c| c.is_ascii_hexdigit()))
        || (first.len() <= 16 && STARTER_SET.contains(first.to_lowercase().as_str()))
}

/// Whether a phrase matched as `rest[..end]` may stand: not empty, ending at a word
/// boundary ("Share" is not the start of "Shareholders"), and, when it looks like a hex
/// token, long enough to be one ("bad" or "2d" is no token).
fn phrase_ends_well(rest: &str, end: usize) -> bool {
    let matched = &rest[..end];
    if end == 0 {
        return false;
    }
    if matched.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
        && matched.len() < TOKEN_MIN
        && !matched.chars().all(|c| c.is_ascii_digit())
    {
        return false;
    }
    let next = rest[end..].chars().next();
    let last = matched.chars().last();
    !(next.is_some_and(char::is_alphanumeric) && last.is_some_and(char::is_alphanumeric))
}

/// Whether `c` is a pictograph that stands for a word on a page (an emoji, a dingbat, an
/// arrow or a symbol such as `👁`, `💬`, `➦`, `♥`, `★`): no letter, digit, space, ASCII
/// sign or typographic punctuation.
fn is_icon_glyph(c: char) -> bool {
    !c.is_ascii()
        && !c.is_alphanumeric()
        && !c.is_whitespace()
        && !"–—‘’“”„«»‹›…·•€£¥¢%°§¶†‡‰′″\u{a0}\u{202f}\u{200b}¡¿©®™×÷±".contains(c)
}

/// Whether a text is only counts as pages print them ("1,204", "1.2K", "3M+") and
/// separators (a duration or a time such as "8:09" is no count).
fn only_counts(text: &str) -> bool {
    text.split(|c: char| c.is_whitespace() || "·|/•".contains(c))
        .filter(|w| !w.is_empty())
        .all(|w| {
            let w = w.trim_end_matches('+');
            let w = w.strip_suffix(['k', 'K', 'm', 'M']).unwrap_or(w);
            w.starts_with(|c: char| c.is_ascii_digit())
                && w.chars().all(|c| c.is_ascii_digit() || ".,'".contains(c))
        })
        && text.chars().any(|c| c.is_ascii_digit())
}

/// Whether a whole text is only numbers (a block holding "42" is a figure of an article,
/// a list number, not furniture).
fn only_numbers(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_digit() || c.is_whitespace() || ".,:/-".contains(c))
}

/// Whether `node` is a block element (one that ends a paragraph of text, as
/// [`crate::text`] breaks them).
pub(crate) fn is_block(node: &NodeRef) -> bool {
    node.node_name().is_some_and(|n| {
        matches!(
            &*n,
            "p" | "div"
                | "ul"
                | "ol"
                | "li"
                | "table"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "blockquote"
                | "section"
                | "article"
                | "aside"
                | "header"
                | "footer"
                | "figure"
                | "figcaption"
                | "dl"
                | "dd"
                | "dt"
                | "address"
                | "pre"
                | "tr"
                | "td"
                | "th"
        )
    })
}

/// Whether an inline element is part of running text: a sibling text node or inline
/// element (of it or of an inline ancestor, up to the nearest block) holds visible text.
pub(crate) fn in_running_text(node: &NodeRef) -> bool {
    let mut cur = *node;
    while let Some(parent) = cur.parent() {
        // Text beside it (a word, or the brackets of "[Docs] [Email]"), in a text node or
        // an inline element.
        let words_beside = parent.children_it(false).any(|c| {
            c.id != cur.id
                && (c.is_text() || (c.is_element() && !is_block(&c)))
                && c.text().chars().any(|ch| !ch.is_whitespace())
        });
        if words_beside {
            return true;
        }
        if !parent.is_element() || is_block(&parent) {
            return false;
        }
        cur = parent;
    }
    false
}

/// Whether `node` is the card part of a hover card: an element after a sibling whose
/// words it repeats (a name link, then a card holding the name again).
pub(crate) fn repeats_a_sibling(node: &NodeRef) -> bool {
    let own = crate::text::collapse_ws(&node.text());
    let mut prev = node.prev_sibling();
    while let Some(p) = prev {
        let t = crate::text::collapse_ws(&p.text());
        if t.chars().any(char::is_alphanumeric) && own.contains(&t) {
            return true;
        }
        prev = p.prev_sibling();
    }
    false
}

/// The text of `node` with a space at the start and end of each block element and at
/// each `<br>` (so that `<dt>By</dt><dd>Ann Lee</dd>` reads "By Ann Lee"), or None when
/// it is longer than [`MAX_BYTES`].
fn spaced_text(node: &NodeRef) -> Option<String> {
    let mut text = String::new();
    let mut stack = vec![(*node, false)];
    while let Some((n, closing)) = stack.pop() {
        if closing {
            text.push(' ');
            continue;
        }
        if n.is_text() {
            text.push_str(&n.text());
            if text.len() > MAX_BYTES {
                return None;
            }
            continue;
        }
        if !n.is_element() {
            continue;
        }
        if n.has_name("script") || n.has_name("style") || n.has_name("noscript") {
            continue;
        }
        let block = is_block(&n) || n.has_name("br");
        if block {
            text.push(' ');
            stack.push((n, true));
        }
        let mut child = n.last_child();
        while let Some(c) = child {
            child = c.prev_sibling();
            stack.push((c, false));
        }
    }
    Some(text)
}

/// Rule `furniture`: removes every element whose text is furniture ([`is_furniture`]),
/// outermost first (a block, a list, a container of such blocks, a standalone inline
/// element), and bare text between blocks that is furniture; an inline element inside
/// running text stays (its words belong to the sentence). A heading that titles a
/// rotating list (`Most read`, `Related stories`) goes with the list of links after it.
/// `keep` spares elements (the byline block, before Readability has read it);
/// `whole_page` (before scoring) looks at block elements only.
pub fn remove_blocks(doc: &Document, keep: impl Fn(&NodeRef) -> bool, whole_page: bool) {
    // On the whole page, blocks only (inline elements are many, and Readability weighs
    // blocks); on the article, inline elements too.
    let nodes: Vec<NodeRef> = if whole_page {
        doc.select_matcher(matcher!(
            "p, li, h2, h3, h4, h5, h6, div, dd, dt, footer, address, figcaption, aside, \
             section, ul, ol, dl, table, figure"
        ))
        .nodes()
        .to_vec()
    } else {
        doc.select_matcher(matcher!(
            "p, li, h2, h3, h4, h5, h6, div, span, time, small, dd, dt, a, b, strong, em, i, \
             button, footer, header, address, figcaption, aside, section, ul, ol, dl, label, \
             table, figure"
        ))
        .nodes()
        .to_vec()
    };
    for node in nodes {
        if node.parent().is_none()
            || node.attr("id").as_deref() == Some("readability-page-1")
            // Inside a block removed already.
            || node.ancestors_it(None).last().is_some_and(|top| top.is_element())
        {
            continue;
        }
        let Some(text) = spaced_text(&node) else {
            continue;
        };
        if !(is_furniture(&text) || is_icon_counter(&node, &text)) || keep(&node) {
            continue;
        }
        if !is_block(&node) && in_running_text(&node) {
            continue;
        }
        if is_list_title(&text) {
            remove_list_after(&node);
        }
        node.remove_from_parent();
    }
    // Bare text between blocks ("1,204 shares" directly in the article's container), in
    // the article only.
    if whole_page {
        return;
    }
    let texts: Vec<NodeRef> = doc
        .select_matcher(matcher!("div, section, article, li, td"))
        .nodes()
        .iter()
        .flat_map(|d| {
            d.children_it(false)
                .filter(|c| c.is_text())
                .collect::<Vec<_>>()
        })
        .collect();
    for t in texts {
        let s = t.text();
        if !is_furniture(&s) {
            continue;
        }
        let beside_block = |n: Option<NodeRef>| n.is_none_or(|n| n.is_element() && is_block(&n));
        if beside_block(t.prev_sibling()) && beside_block(t.next_sibling()) {
            t.remove_from_parent();
        }
    }
}

/// Whether `node`, whose text is `text`, is a counter shown beside an icon: its text is
/// only numbers (`1,204`, `12 · 3`), and it holds an empty icon element (`<i class="fa
/// fa-eye"></i>`, an `<svg>`, an `<img>` without alt text, an empty element whose class
/// names an icon).
fn is_icon_counter(node: &NodeRef, text: &str) -> bool {
    let t = text.trim();
    if !only_counts(t) {
        return false;
    }
    node.descendants_it().any(|d| {
        if !d.is_element() {
            return false;
        }
        if d.has_name("svg")
            || (d.has_name("img") && d.attr("alt").is_none_or(|a| a.trim().is_empty()))
        {
            return true;
        }
        let empty = d.text().trim().is_empty();
        empty
            && (d.has_name("i")
                || d.attr("class").is_some_and(|c| {
                    let c = c.to_ascii_lowercase();
                    c.contains("icon")
                        || c.contains("glyph")
                        || c.split(|ch: char| ch.is_whitespace() || ch == '-' || ch == '_')
                            .any(|w| matches!(w, "fa" | "fas" | "far" | "ico" | "emoji" | "svg"))
                }))
    })
}

static LIST_TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(?:most\s+(?:read|popular|viewed|shared|commented|emailed)|trending|popular|related|(?:you\s+)?(?:may|might)\s+also|recommended|top\s+stories|editor'?s\s+picks?|read\s+next|up\s+next|what\s+to\s+read|latest\s+(?:news|stories|headlines)|les\s+plus\s+lus|à\s+lire|lire\s+aussi|meistgelesen|lo\s+más\s+leído|más\s+leíd|i\s+più\s+letti)",
    )
    .expect("regex")
});

/// Whether a furniture text titles a list of stories.
fn is_list_title(text: &str) -> bool {
    LIST_TITLE.is_match(text)
}

/// Removes the lists of links that follow a list title (the rotating most-read list).
fn remove_list_after(title: &NodeRef) {
    let mut next = title.next_element_sibling();
    while let Some(n) = next {
        let text = n.text();
        let words = text.split_whitespace().count();
        let link_chars: usize = n
            .descendants_it()
            .filter(|d| d.has_name("a"))
            .map(|a| a.text().chars().filter(|c| !c.is_whitespace()).count())
            .sum();
        let all: usize = text.chars().filter(|c| !c.is_whitespace()).count();
        if all == 0 || words > 150 || link_chars * 10 < all * 8 {
            break;
        }
        next = n.next_element_sibling();
        n.remove_from_parent();
    }
}

static OVERLAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[\s_-])(?:cookie|cookies|consent|gdpr|onetrust|didomi|usercentrics|quantcast|truste|privacy-?banner|login-?wall|reg-?wall|regwall|loginwall|paywall-?overlay|interstitial)(?:$|[\s_-])",
    )
    .expect("regex")
});

static COUNTER_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[\s_-])(?:(?:view|comment|share|like|read|reaction|vote|clap)s?-?(?:count|counter|total|num|number|tally)|counters?|reading-?time|read-?time|time-?ago|timeago|relative-?time|copyright|sponsored|ad-?label|image-?source|photo-?source)(?:$|[\s_-])",
    )
    .expect("regex")
});

/// Rule `consent`: whether a class and id (lowercased) name a cookie-consent or login
/// overlay (`cookie-banner`, `consent`, `gdpr`, `onetrust`, `login-wall`).
pub fn is_overlay_name(class_id: &str) -> bool {
    OVERLAY.is_match(class_id)
}

/// Rule `furniture`, by name: whether a class and id (lowercased) name a counter, a
/// reading time, a relative time, a copyright line or an ad label (`view-count`,
/// `reading-time`, `timeago`, `copyright`, `sponsored`).
pub fn is_furniture_name(class_id: &str) -> bool {
    COUNTER_NAME.is_match(class_id)
}

/// A byline without the furniture after the name ("Jane Doe | 4,605 views" gives
/// "Jane Doe"; "Jane Doe · Updated 2 hours ago" gives "Jane Doe"): the trailing
/// sentence pieces that are furniture, cut at a separator.
pub fn byline_without_furniture(byline: &str) -> String {
    let seps = ['|', '·', '•', '–', '—', '-', ',', '/'];
    let mut cut = byline.len();
    // Try each separator position from the left: the first whose tail is furniture wins.
    for (i, c) in byline.char_indices() {
        if seps.contains(&c) {
            let head = byline[..i].trim();
            let tail = &byline[i..];
            if !head.is_empty()
                && head.chars().any(char::is_alphabetic)
                && !is_furniture(head)
                && is_furniture(tail)
                && tail_is_dynamic(tail)
            {
                cut = i;
                break;
            }
        }
    }
    byline[..cut].trim().to_string()
}

static DYNAMIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\d\s*[km]?\+?\s*(?:views?|reads?|comments?|shares?|likes?|min|minutes?|hours?|days?|secondes?|heures?|jours?|stunden?|horas?)|\bago\b|il\s+y\s+a|\bvor\s+\d|\bhace\s+\d",
    )
    .expect("regex")
});

/// Whether furniture changes from fetch to fetch (a counter, a reading time, a relative
/// time), as opposed to a date or a title that stays.
fn tail_is_dynamic(text: &str) -> bool {
    DYNAMIC.is_match(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn furniture_of_every_kind_is_recognized() {
        for t in [
            "4,605 views",
            "134 comments",
            "1,204 shares",
            "1.2K likes",
            "Views: 4,605",
            "Comments (134)",
            "3 min read",
            "Reading time: 4 minutes",
            "5 minutes ago",
            "Updated 2 hours ago",
            "il y a 3 heures",
            "vor 2 Stunden",
            "hace 4 horas",
            "By Justine Coleman - 11/18/19 11:04 PM EST",
            "By Jane Doe and John Roe",
            "Posted by Ann Lee on March 3, 2020",
            "Published 7:07 PM EST Nov 19, 2019",
            "4,605 views · 134 comments · 3 min read",
            "Advertisement",
            "Story continues below advertisement",
            "Sponsored: Try the new Widget today",
            "Image copyright Getty Images",
            "Photo: Jane Doe/AP",
            "(Photo by Jane Doe/Getty Images)",
            "© 2019 Example Media. All rights reserved.",
            "Copyright 2026 Example News",
            "Contact us: news@example.com | (555) 123-4567",
            "123 Main Street, Springfield, IL 62701",
            "Follow us on Twitter",
            "Follow Jane Doe on Twitter @janedoe",
            "Sign up for our daily newsletter",
            "Share on Facebook",
            "Most read",
            "Related stories",
            "ref: 8f3a9c2d1e",
            "👁 39,503",
            "👁 39,503 💬 12 ➦ 840",
            "32,375 people are reading this story right now",
            "1,204 readers",
            "Listen to this article 5:18",
            "Listen · 4 min listen",
            "PAID CONTENT · Storm hits coast — presented by Acme Bank",
            "Partner content: Storm hits coast",
            "Presented by Acme Bank",
            "In partnership with Acme Bank",
            "Promoted",
            "Sponsored content Storm hits coast by Acme Bank",
            "Right now 1,204 people are viewing this page",
            "Écouter cet article · 4 min",
            "❤ 1.2K · 🔁 3,400",
            "Storm hits coast — in partnership with Acme Bank",
            "Storm hits coast | Sponsored by Acme Bank",
            "Newsletter: Get the best of the Coastal Times in your inbox — 88,776 readers already have",
            "Join 88,776 subscribers who get our briefing every morning",
            "Get the best of the Coastal Times in your inbox",
            "You have 3 free articles left this month.",
            "Want to keep reading? You have 8 free articles left this month.",
            "This is your last free article this month",
            "Already a subscriber? Log in",
        ] {
            assert!(is_furniture(t), "{t}");
        }
    }

    #[test]
    fn sentences_are_never_furniture() {
        for t in [
            "The post had 4,605 views before it was removed.",
            "By Tuesday, the council had voted to close the depot.",
            "Share prices fell 3% on Monday.",
            "Copyright law protects the work.",
            "Photographers were kept away from the scene.",
            "42",
            "It was bad.",
            "Most of the residents welcomed the vote.",
            "Related matters will be discussed in May.",
            "Advertising revenue fell by a third last year.",
            "5 people were killed in the crash.",
            "1,204 people are reading about the crash, the editor said, and more every hour.",
            "Listen to the residents, she said.",
            "Play resumed after a short delay.",
            "You have 3 days left to register to vote.",
            "In partnership with the council, the club will open a new pitch.",
            "Get the facts before you vote.",
            "This is the last time the council will meet.",
            "Free school meals will be extended to all pupils.",
            "Already the council has spent 3 million.",
            "Sponsored content is growing fast at newspapers, the report said.",
            "The concert — presented by the city orchestra, with guests — sold out.",
            "The fund said: supported by donors, the school reopened.",
            "This was choice—powered by digital advertising—and premised on user experience.",
            "Play",
        ] {
            assert!(!is_furniture(t), "{t}");
        }
    }

    #[test]
    fn counters_leave_bylines() {
        assert_eq!(
            byline_without_furniture("Jane Doe | 4,605 views"),
            "Jane Doe"
        );
        assert_eq!(
            byline_without_furniture("Jane Doe · Updated 2 hours ago"),
            "Jane Doe"
        );
        assert_eq!(byline_without_furniture("Jane Doe"), "Jane Doe");
        assert_eq!(
            byline_without_furniture("Jean-Paul Sartre"),
            "Jean-Paul Sartre"
        );
    }
}
