//! The furniture generator of `stet-fidelity`: dynamic page furniture of every kind
//! issue 10 names, in many markup variants, with values that change at every fetch.
//!
//! Each kind has *tuning* variants, used on the tuning pages, and *held-out* variants,
//! used only (with the tuning ones) on the held-out pages: markup and wording the rules
//! were not tuned on, so that the held-out figure says how the rules generalize.

use fastrand::Rng;

/// A kind of page furniture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Counters of views, comments, shares, likes, reading time.
    Counter,
    /// Relative times ("5 minutes ago", "il y a 3 heures").
    RelativeTime,
    /// A rotating most-read / related / trending list.
    RotatingList,
    /// Inline ad slots and sponsored lines.
    Ad,
    /// Hidden tokens and cache-busting URLs.
    HiddenToken,
    /// Bylines, datelines and timestamps inside the body.
    Byline,
    /// Footers: copyright, address and contact lines.
    Footer,
    /// Image credits.
    ImageCredit,
    /// Newsletter and follow prompts.
    Prompt,
    /// Counts beside icon glyphs or empty icon elements ("👁 39,503").
    IconCounter,
    /// Live readers ("1,204 people are reading this story right now").
    LiveReaders,
    /// Audio player labels with durations ("Listen to this article 5:18").
    Audio,
    /// Paid, sponsored and partner content units with rotating headlines.
    PaidContent,
    /// Newsletter prompts with counts ("… 88,776 readers already have").
    Newsletter,
    /// Metered paywall nags ("You have 3 free articles left this month").
    Paywall,
    /// Rotating blocks of link cards with teasers (`Popular now`).
    LinkCards,
    /// Consent dialogs inside the article, whatever their id or class.
    Consent,
}

/// Every kind, in report order.
pub const KINDS: [Kind; 17] = [
    Kind::Counter,
    Kind::RelativeTime,
    Kind::RotatingList,
    Kind::Ad,
    Kind::HiddenToken,
    Kind::Byline,
    Kind::Footer,
    Kind::ImageCredit,
    Kind::Prompt,
    Kind::IconCounter,
    Kind::LiveReaders,
    Kind::Audio,
    Kind::PaidContent,
    Kind::Newsletter,
    Kind::Paywall,
    Kind::LinkCards,
    Kind::Consent,
];

impl Kind {
    /// A short name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::RelativeTime => "relative-time",
            Kind::RotatingList => "rotating-list",
            Kind::Ad => "ad",
            Kind::HiddenToken => "hidden-token",
            Kind::Byline => "byline",
            Kind::Footer => "footer",
            Kind::ImageCredit => "image-credit",
            Kind::Prompt => "prompt",
            Kind::IconCounter => "icon-counter",
            Kind::LiveReaders => "live-readers",
            Kind::Audio => "audio",
            Kind::PaidContent => "paid-content",
            Kind::Newsletter => "newsletter",
            Kind::Paywall => "paywall",
            Kind::LinkCards => "link-cards",
            Kind::Consent => "consent",
        }
    }
}

const FIRST: &[&str] = &[
    "Justine", "Marco", "Aisha", "Tom", "Ingrid", "Kenji", "Lucía", "Olivier", "Priya", "Sam",
];
const LAST: &[&str] = &[
    "Coleman", "Rossi", "Okafor", "Byrne", "Larsen", "Sato", "García", "Dubois", "Nair", "Weller",
];
const HEADLINES: &[&str] = &[
    "Council approves new budget after late-night session",
    "Storm leaves thousands without power across the region",
    "Local team clinches title in dramatic final",
    "Rail strike called off after last-minute deal",
    "Scientists map the deepest cave in Europe",
    "Prices at the pump fall for a third week",
    "Museum returns stolen paintings to their owners",
    "New bridge opens two years behind schedule",
    "Hospital waiting lists reach a record high",
    "Festival organisers announce surprise headliner",
];
const AGENCIES: &[&str] = &[
    "Getty Images",
    "AP",
    "AFP",
    "Reuters",
    "EPA",
    "Shutterstock",
];
const NETWORKS: &[&str] = &["Twitter", "Facebook", "Instagram", "LinkedIn", "Telegram"];
const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn pick<'a>(rng: &mut Rng, xs: &[&'a str]) -> &'a str {
    xs[rng.usize(..xs.len())]
}

/// A person's name. Names are the page's (the same at every fetch: `stable` is drawn
/// from the page alone); only the furniture's dynamic values change.
fn name(stable: u64) -> String {
    format!(
        "{} {}",
        FIRST[(stable % FIRST.len() as u64) as usize],
        LAST[(stable / 7 % LAST.len() as u64) as usize]
    )
}

/// A count as pages print it: "4,605", "1.2K", "87".
fn count(rng: &mut Rng) -> String {
    match rng.u8(..3) {
        0 => {
            let n = rng.u32(1_000..99_999);
            format!("{},{:03}", n / 1000, n % 1000)
        }
        1 => format!("{}.{}K", rng.u8(1..99), rng.u8(0..10)),
        _ => rng.u32(2..999).to_string(),
    }
}

fn hex(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from_digit(rng.u32(..16), 16).expect("hex digit"))
        .collect()
}

fn stamp(rng: &mut Rng) -> String {
    format!(
        "{}/{}/{} {}:{:02} {} EST",
        rng.u8(1..13),
        rng.u8(1..29),
        rng.u8(18..27),
        rng.u8(1..13),
        rng.u8(..60),
        if rng.bool() { "AM" } else { "PM" }
    )
}

fn long_date(rng: &mut Rng) -> String {
    format!(
        "{} {}, 20{} {}:{:02} {}",
        pick(rng, MONTHS),
        rng.u8(1..29),
        rng.u8(18..27),
        rng.u8(1..13),
        rng.u8(..60),
        if rng.bool() { "am" } else { "pm" }
    )
}

fn relative(rng: &mut Rng) -> String {
    let n = rng.u8(2..59);
    match rng.u8(..6) {
        0 => format!("{n} minutes ago"),
        1 => format!("Updated {} hours ago", rng.u8(2..23)),
        2 => format!("il y a {} heures", rng.u8(2..23)),
        3 => format!("{n} mins ago"),
        4 => format!("vor {n} Minuten"),
        _ => format!("Posted {} days ago", rng.u8(2..9)),
    }
}

/// The number of markup variants of `kind` used on tuning pages (the first ones) and in
/// all (the rest are held-out variants).
pub fn variants(kind: Kind) -> (usize, usize) {
    match kind {
        Kind::Counter => (5, 8),
        Kind::RelativeTime => (3, 5),
        Kind::RotatingList => (3, 5),
        Kind::Ad => (3, 5),
        Kind::HiddenToken => (3, 5),
        Kind::Byline => (4, 6),
        Kind::Footer => (3, 5),
        Kind::ImageCredit => (4, 6),
        Kind::Prompt => (3, 5),
        Kind::IconCounter => (3, 6),
        Kind::LiveReaders => (2, 4),
        Kind::Audio => (3, 5),
        Kind::PaidContent => (3, 5),
        Kind::Newsletter => (2, 4),
        Kind::Paywall => (2, 4),
        Kind::LinkCards => (2, 4),
        Kind::Consent => (2, 4),
    }
}

/// One piece of furniture of `kind` in markup variant `variant`, with fresh values from
/// `rng` (names from `stable`, a number drawn from the page). `host` is the site's address (for links and images with cache-busting
/// queries).
pub fn furniture(kind: Kind, variant: usize, rng: &mut Rng, stable: u64, host: &str) -> String {
    if let Some(f) = super::leaks::furniture(kind, variant, rng, host) {
        return f;
    }
    match (kind, variant) {
        (Kind::Counter, 0) => format!("<div class=\"views\">{} views</div>", count(rng)),
        (Kind::Counter, 1) => format!("<div>{} shares</div>", count(rng)),
        (Kind::Counter, 2) => format!(
            "<p><span>{} views</span> · <span>{} comments</span></p>",
            count(rng),
            count(rng)
        ),
        (Kind::Counter, 3) => format!(
            "<ul class=\"article-stats\"><li>{} likes</li><li>{} min read</li></ul>",
            count(rng),
            rng.u8(2..15)
        ),
        (Kind::Counter, 4) => format!(
            "<div><a href=\"{host}/a/comments#c{}\">{} comments</a></div>",
            rng.u32(..1000),
            count(rng)
        ),
        // Held out.
        (Kind::Counter, 5) => format!(
            "<section><strong>{}</strong> reads <em>|</em> <strong>{}</strong> Shares</section>",
            count(rng),
            count(rng)
        ),
        (Kind::Counter, 6) => format!(
            "<table><tr><td>Views: {}</td><td>Comments ({})</td></tr></table>",
            count(rng),
            rng.u16(..900)
        ),
        (Kind::Counter, _) => format!(
            "<aside><span>{} vues</span> <span>{} commentaires</span> <span>Lecture : {} min</span></aside>",
            count(rng),
            rng.u16(..900),
            rng.u8(2..15)
        ),
        (Kind::RelativeTime, 0) => format!("<span class=\"timeago\">{}</span>", relative(rng)),
        (Kind::RelativeTime, 1) => format!("<div>{}</div>", relative(rng)),
        (Kind::RelativeTime, 2) => format!("<p><time>{}</time></p>", relative(rng)),
        (Kind::RelativeTime, 3) => format!(
            "<div><small>Last updated: {} minutes ago</small></div>",
            rng.u8(2..59)
        ),
        (Kind::RelativeTime, _) => format!("<p><i>hace {} horas</i></p>", rng.u8(2..23)),
        (Kind::RotatingList, v) => {
            let mut items: Vec<&str> = HEADLINES.to_vec();
            rng.shuffle(&mut items);
            let lis: String = items[..5]
                .iter()
                .map(|h| {
                    format!(
                        "<li><a href=\"{host}/story/{}?ref=mostread\">{h}</a></li>",
                        rng.u32(..100_000)
                    )
                })
                .collect();
            match v {
                0 => format!("<div class=\"most-read\"><h3>Most read</h3><ol>{lis}</ol></div>"),
                1 => format!("<div><h4>Trending now</h4><ul>{lis}</ul></div>"),
                2 => format!("<h3>Related stories</h3><ul>{lis}</ul>"),
                3 => format!("<section><p><b>You may also like</b></p><ul>{lis}</ul></section>"),
                _ => format!("<div><div>Les plus lus</div><ol>{lis}</ol></div>"),
            }
        }
        (Kind::Ad, 0) => format!(
            "<div class=\"ad-slot\" data-slot=\"{}\"><span>Advertisement</span></div>",
            hex(rng, 8)
        ),
        (Kind::Ad, 1) => "<p>Advertisement</p>".to_string(),
        (Kind::Ad, 2) => format!(
            "<div><span>Sponsored</span>: <a href=\"{host}/promo?cb={}\">{}</a></div>",
            rng.u32(..1_000_000),
            pick(rng, HEADLINES)
        ),
        (Kind::Ad, 3) => "<div><div>Story continues below advertisement</div></div>".to_string(),
        (Kind::Ad, _) => format!(
            "<aside><p>Sponsored content · {}</p></aside>",
            pick(rng, HEADLINES)
        ),
        (Kind::HiddenToken, 0) => format!(
            "<span style=\"display:none\">{}</span><img src=\"{host}/pixel.gif?cb={}\" width=\"1\" height=\"1\">",
            hex(rng, 16),
            rng.u64(..)
        ),
        (Kind::HiddenToken, 1) => format!(
            "<div hidden>{}</div><input type=\"hidden\" name=\"csrf\" value=\"{}\">",
            hex(rng, 24),
            hex(rng, 32)
        ),
        (Kind::HiddenToken, 2) => format!("<p>ref: {}</p>", hex(rng, 12)),
        (Kind::HiddenToken, 3) => format!(
            "<div aria-hidden=\"true\" style=\"visibility:hidden\">{}</div>",
            hex(rng, 20)
        ),
        (Kind::HiddenToken, _) => format!(
            "<div><noscript><img src=\"{host}/t.gif?r={}\"></noscript><span class=\"sr-token\" style=\"display: none;\">{}-{}</span></div>",
            rng.u64(..),
            hex(rng, 8),
            hex(rng, 4)
        ),
        (Kind::Byline, 0) => format!("<p>By {} - {}</p>", name(stable), stamp(rng)),
        (Kind::Byline, 1) => format!(
            "<div class=\"byline\">By <a href=\"{host}/author/x\">{}</a> | Updated {}</div>",
            name(stable),
            long_date(rng)
        ),
        (Kind::Byline, 2) => format!("<p><span>Published {}</span></p>", long_date(rng)),
        (Kind::Byline, 3) => format!(
            "<div>Posted by {} on {}</div>",
            name(stable),
            long_date(rng)
        ),
        (Kind::Byline, 4) => format!(
            "<dl><dt>By</dt><dd>{}</dd><dd>{}</dd></dl>",
            name(stable),
            stamp(rng)
        ),
        (Kind::Byline, _) => format!(
            "<p><em>Par {}</em> — le {} {} à {}h{:02}</p>",
            name(stable),
            rng.u8(1..29),
            ["janvier", "mars", "mai", "octobre"][rng.usize(..4)],
            rng.u8(..24),
            rng.u8(..60)
        ),
        (Kind::Footer, 0) => format!(
            "<footer><p>© 20{} Example Media Group. All rights reserved.</p></footer>",
            rng.u8(18..27)
        ),
        (Kind::Footer, 1) => format!(
            "<div>Contact us: news{}@example.com | ({}) {}-{:04}</div>",
            rng.u8(..9),
            rng.u16(200..999),
            rng.u16(200..999),
            rng.u16(..9999)
        ),
        (Kind::Footer, 2) => format!(
            "<p>{} Main Street, Springfield, IL 627{:02}</p>",
            rng.u16(1..999),
            rng.u8(..99)
        ),
        (Kind::Footer, 3) => format!(
            "<address>{} Harbour Road, Suite {}<br>Tel. +44 20 {} {:04}</address>",
            rng.u16(1..999),
            rng.u8(1..50),
            rng.u16(1000..9999),
            rng.u16(..9999)
        ),
        (Kind::Footer, _) => format!(
            "<div><span>Copyright {} Example News</span> · <span>Privacy Policy</span> · <span>Terms of Use</span></div>",
            2000 + u32::from(rng.u8(18..27))
        ),
        (Kind::ImageCredit, 0) => format!(
            "<figure><img src=\"{host}/img/{}.jpg?v={}\"><figcaption>Image copyright {}</figcaption></figure>",
            rng.u32(..1000),
            rng.u32(..1_000_000),
            pick(rng, AGENCIES)
        ),
        (Kind::ImageCredit, 1) => format!("<p>Image copyright {}</p>", pick(rng, AGENCIES)),
        (Kind::ImageCredit, 2) => {
            format!("<div>Photo: {}/{}</div>", name(stable), pick(rng, AGENCIES))
        }
        (Kind::ImageCredit, 3) => format!(
            "<p><span>(Photo by {}/{})</span></p>",
            name(stable),
            pick(rng, AGENCIES)
        ),
        (Kind::ImageCredit, 4) => format!(
            "<div><img src=\"{host}/img/{}.jpg\"><span>Credit: {} for Example News</span></div>",
            rng.u32(..1000),
            name(stable)
        ),
        (Kind::ImageCredit, _) => format!(
            "<p><small>Picture: {} / {}</small></p>",
            name(stable),
            pick(rng, AGENCIES)
        ),
        (Kind::Prompt, 0) => format!("<p>Follow us on {}</p>", pick(rng, NETWORKS)),
        (Kind::Prompt, 1) => format!(
            "<div><a href=\"{host}/newsletter?src={}\">Sign up for our daily newsletter</a></div>",
            hex(rng, 6)
        ),
        (Kind::Prompt, 2) => format!(
            "<p><em>Follow {} on {} @{}</em></p>",
            name(stable),
            pick(rng, NETWORKS),
            hex(rng, 6)
        ),
        (Kind::Prompt, 3) => format!(
            "<aside><strong>Like us on Facebook</strong> and join {} readers</aside>",
            count(rng)
        ),
        (Kind::Prompt, _)
        | (
            Kind::IconCounter
            | Kind::LiveReaders
            | Kind::Audio
            | Kind::PaidContent
            | Kind::Newsletter
            | Kind::Paywall
            | Kind::LinkCards
            | Kind::Consent,
            _,
        ) => format!(
            "<section><p>Get our {} app for breaking news alerts</p></section>",
            ["free", "new", "award-winning"][rng.usize(..3)]
        ),
    }
}

/// A cookie-consent or login interstitial page, as a redirect target or served in place
/// of the article.
pub fn interstitial(rng: &mut Rng, login: bool) -> String {
    if login {
        format!(
            "<!doctype html><html><head><title>Sign in</title></head><body><div class=\"wall\">\
             <h1>Sign in to continue reading</h1><p>Create a free account or log in to keep \
             reading. Already a subscriber? Log in.</p><form><input name=\"t\" type=\"hidden\" \
             value=\"{}\"><button>Continue</button></form></div></body></html>",
            hex(rng, 16)
        )
    } else {
        format!(
            "<!doctype html><html><head><title>Before you continue</title></head><body>\
             <div class=\"consent-page\"><h1>We value your privacy</h1><p>We and our {} partners \
             use cookies to store and access information on your device. You can accept all \
             cookies or manage your preferences.</p><button>Accept all</button>\
             <button>Reject all</button><a href=\"/settings?session={}\">Manage options</a></div>\
             </body></html>",
            rng.u16(100..900),
            hex(rng, 12)
        )
    }
}

/// A page that sends the reader on to `target` with a meta refresh, served in place of
/// the article.
pub fn refresh_page(target: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" \
         content=\"0;url={target}\"><title>Redirecting</title></head><body><p>Redirecting&hellip;</p></body></html>"
    )
}
