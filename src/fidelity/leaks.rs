//! Furniture kinds of the second furniture issue (leaks a tester found): counts beside
//! icons, live readers, audio players, paid content units, newsletter prompts with
//! counts, metered paywall nags, rotating blocks of link cards with teasers, and consent
//! dialogs inside the article. Tuning variants first, held-out ones after (see
//! [`super::generate::variants`]).

use fastrand::Rng;

use super::generate::Kind;

const HEADS: &[&str] = &[
    "Storm hits coast",
    "Council votes on budget",
    "Star retires at 34",
    "New bridge opens",
    "Prices rise again",
    "Team wins cup",
    "Mayor resigns",
    "Rail strike called off",
];
const TEASERS: &[&str] = &[
    "Officials said the decision would be reviewed next month after a public consultation.",
    "The announcement came after weeks of speculation about the future of the scheme.",
    "Fans gathered in the square to greet the players on their return.",
    "Drivers were warned to expect delays on the main roads into the city.",
    "The museum will open its doors to the public again on Saturday morning.",
    "Residents said they had been waiting for the decision for years.",
];
const BRANDS: &[&str] = &[
    "Acme Bank",
    "Globex Energy",
    "Initech Cloud",
    "Umbrella Travel",
];

fn pick<'a>(rng: &mut Rng, xs: &[&'a str]) -> &'a str {
    xs[rng.usize(..xs.len())]
}

fn big(rng: &mut Rng) -> String {
    let n = rng.u32(1_000..99_999);
    format!("{},{:03}", n / 1000, n % 1000)
}

fn cards(rng: &mut Rng, host: &str, n: usize, card: impl Fn(&str, &str, &str) -> String) -> String {
    let mut heads = HEADS.to_vec();
    rng.shuffle(&mut heads);
    (0..n)
        .map(|k| {
            let href = format!("{host}/story/{}", rng.u32(..100_000));
            card(&href, heads[k], pick(rng, TEASERS))
        })
        .collect()
}

/// One piece of furniture of a kind of this file in markup `variant`, with fresh values
/// from `rng`; `host` is the site's address. None for the kinds of
/// [`super::generate::furniture`].
pub fn furniture(kind: Kind, variant: usize, rng: &mut Rng, host: &str) -> Option<String> {
    Some(match (kind, variant) {
        (Kind::IconCounter, 0) => format!(
            "<table><tr><td>&#128065; {}</td><td>&#128172; {}</td><td>&#10150; {}</td></tr></table>",
            big(rng),
            rng.u16(2..999),
            rng.u16(2..999)
        ),
        (Kind::IconCounter, 1) => format!(
            "<div class=\"c1\"><span><i class=\"fa fa-eye\"></i> {}</span> <span><i class=\"fa fa-comment\"></i> {}</span></div>",
            big(rng),
            rng.u16(2..999)
        ),
        (Kind::IconCounter, 2) => format!("<p>&#10084; {}</p>", rng.u16(2..999)),
        (Kind::IconCounter, 3) => format!(
            "<div><svg width=\"12\" height=\"12\"><path d=\"M0 0h12v12H0z\"/></svg><b>{}</b></div>",
            big(rng)
        ),
        (Kind::IconCounter, 4) => format!(
            "<ul><li><span class=\"ico-views\"></span>{}</li><li><span class=\"ico-comments\"></span>{}</li></ul>",
            big(rng),
            rng.u16(2..999)
        ),
        (Kind::IconCounter, _) => format!(
            "<p>&#9733; {}.{}K · &#128257; {}</p>",
            rng.u8(1..99),
            rng.u8(..10),
            big(rng)
        ),
        (Kind::LiveReaders, 0) => format!(
            "<p>{} people are reading this story right now</p>",
            big(rng)
        ),
        (Kind::LiveReaders, 1) => format!("<div><strong>{}</strong> readers</div>", big(rng)),
        (Kind::LiveReaders, 2) => format!(
            "<div><span>{} others are reading this article</span></div>",
            rng.u16(2..999)
        ),
        (Kind::LiveReaders, _) => {
            format!("<p>Right now {} people are viewing this page</p>", big(rng))
        }
        (Kind::Audio, 0) => format!(
            "<p><span>Listen to this article</span> <span>{}:{:02}</span></p>",
            rng.u8(2..20),
            rng.u8(..60)
        ),
        (Kind::Audio, 1) => format!(
            "<div><button>Play</button> <span>Listen · {} min listen</span></div>",
            rng.u8(2..20)
        ),
        (Kind::Audio, 2) => format!(
            "<div class=\"audio-player\"><span>Audio</span> <time>{}:{:02}</time></div>",
            rng.u8(2..20),
            rng.u8(..60)
        ),
        (Kind::Audio, 3) => format!("<p>Écouter cet article · {} min</p>", rng.u8(2..20)),
        (Kind::Audio, _) => format!(
            "<div><span>Artikel anhören</span> <span>{}:{:02}</span></div>",
            rng.u8(2..20),
            rng.u8(..60)
        ),
        (Kind::PaidContent, 0) => format!(
            "<div class=\"c2\">PAID CONTENT &middot; {} &mdash; presented by {}</div>",
            pick(rng, HEADS),
            pick(rng, BRANDS)
        ),
        (Kind::PaidContent, 1) => format!(
            "<div><span>Promoted</span> &middot; <a href=\"{host}/p/{}\">{}</a></div>",
            rng.u32(..100_000),
            pick(rng, HEADS)
        ),
        (Kind::PaidContent, 2) => format!(
            "<p>{} &mdash; in partnership with {}</p>",
            pick(rng, HEADS),
            pick(rng, BRANDS)
        ),
        (Kind::PaidContent, 3) => format!(
            "<aside><small>Sponsored content</small> <a href=\"{host}/p/{}\">{}</a> <small>by {}</small></aside>",
            rng.u32(..100_000),
            pick(rng, HEADS),
            pick(rng, BRANDS)
        ),
        (Kind::PaidContent, _) => format!(
            "<div><em>{}</em> | Sponsored by {}</div>",
            pick(rng, HEADS),
            pick(rng, BRANDS)
        ),
        (Kind::Newsletter, 0) => format!(
            "<p>Newsletter: Get the best of the Coastal Times in your inbox &mdash; {} readers already have</p>",
            big(rng)
        ),
        (Kind::Newsletter, 1) => format!(
            "<div><h4>Newsletter</h4><p>Join {} subscribers who get our morning briefing</p><a href=\"{host}/nl\">Sign up</a></div>",
            big(rng)
        ),
        (Kind::Newsletter, 2) => format!(
            "<aside><p>Get the best of Example News straight to your inbox</p><p>{} people already subscribed</p></aside>",
            big(rng)
        ),
        (Kind::Newsletter, _) => format!(
            "<div>Newsletter · {} readers already signed up · <a href=\"{host}/nl\">Subscribe</a></div>",
            big(rng)
        ),
        (Kind::Paywall, 0) => format!(
            "<p>Want to keep reading? You have {} free articles left this month.</p>",
            rng.u8(1..10)
        ),
        (Kind::Paywall, 1) => format!(
            "<div class=\"meter\">You have {} free articles left this month</div>",
            rng.u8(1..10)
        ),
        (Kind::Paywall, 2) => format!(
            "<div><p>This is your last free article this month.</p><p><a href=\"{host}/s?r={}\">Subscribe now</a> to keep reading.</p></div>",
            rng.u32(..100_000)
        ),
        (Kind::Paywall, _) => format!(
            "<p>{} of 10 free articles read this month</p>",
            rng.u8(1..10)
        ),
        (Kind::LinkCards, 0) => format!(
            "<div class=\"w9\"><h3>Popular now</h3>{}</div>",
            cards(rng, host, 3, |href, h, t| format!(
                "<div class=\"c\"><h4><a href=\"{href}\">{h}</a></h4><p>{t}</p></div>"
            ))
        ),
        (Kind::LinkCards, 1) => format!(
            "<section>{}</section>",
            cards(rng, host, 3, |href, h, t| format!(
                "<h4><a href=\"{href}\">{h}</a></h4><p>{t}</p>"
            ))
        ),
        (Kind::LinkCards, 2) => format!(
            "<div class=\"more-stories\">{}</div>",
            cards(rng, host, 3, |href, h, t| format!(
                "<article><h3><a href=\"{href}\">{h}</a></h3><p>{t}</p></article>"
            ))
        ),
        (Kind::LinkCards, _) => format!(
            "<div><h2>Elsewhere</h2><ul>{}</ul></div>",
            cards(rng, host, 3, |href, h, t| format!(
                "<li><h3><a href=\"{href}\">{h}</a></h3><span>{t}</span></li>"
            ))
        ),
        (Kind::Consent, 0) => format!(
            "<div id=\"sp_message_container_{}\"><div><h2>We care about your privacy</h2><p>We and our {} partners store and access information on your device, such as cookies, and process personal data for personalised ads and content.</p><button>Accept all</button><button>Manage preferences</button></div></div>",
            rng.u32(100_000..999_999),
            rng.u16(100..999)
        ),
        (Kind::Consent, 1) => format!(
            "<div class=\"x{:x}\"><p>This site uses cookies to personalise content and ads. By continuing you agree to our use of cookies.</p><a role=\"button\" href=\"#\">Accept all</a></div>",
            rng.u32(..)
        ),
        (Kind::Consent, 2) => format!(
            "<section><h3>Your privacy choices</h3><p>We use cookies and similar technologies. With your consent, we and our {} vendors process personal data.</p><button>Agree and close</button></section>",
            rng.u16(100..999)
        ),
        (Kind::Consent, _) => format!(
            "<div><p>Nous respectons votre vie privée. Nos {} partenaires utilisent des cookies.</p><button>Tout accepter</button></div>",
            rng.u16(100..999)
        ),
        _ => return None,
    })
}
