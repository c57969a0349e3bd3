//! The Atom feed of changes (RFC 4287): one entry per change, whose content is the
//! changed passages of the HTML diff with a sentence of context each (not the whole
//! article), so that any feed reader can follow the edits.
//!
//! Output is stable: the same changes give byte-identical XML in every run. Entry ids are
//! the changes' URNs ([`crate::changes::Change::urn`]); entry times are the times the
//! changes were seen; the feed's `updated` is the newest entry's time (the Unix epoch
//! for an empty feed).

use atom_syndication::{Content, Entry, Feed, FixedDateTime, Generator, Link, Person, Text};
use chrono::DateTime;

use crate::changes::Change;
use crate::diff;
use crate::store::{Store, StoreError};

/// Entries in the feed written after each poll (`changes_feed`).
pub const DEFAULT_ENTRIES: usize = 100;

/// Sentences of context around each changed passage of an entry's content.
pub const CONTEXT: usize = 1;

/// The feed id.
pub const FEED_ID: &str = "urn:stet:changes";

fn time(s: &str) -> FixedDateTime {
    DateTime::parse_from_rfc3339(s).unwrap_or_default()
}

/// One Atom entry for a change, with `content_html` as its content.
fn entry(c: &Change, link_href: &str, content_html: String) -> Entry {
    let mut link = Link::default();
    link.set_href(link_href.to_string());
    link.set_rel("alternate");
    let mut content = Content::default();
    content.set_content_type("html".to_string());
    content.set_value(content_html);
    let mut entry = Entry::default();
    entry.set_id(c.urn.clone());
    entry.set_title(Text::plain(format!(
        "{}: {}",
        c.title.as_deref().unwrap_or(link_href),
        c.summary
    )));
    entry.set_updated(time(&c.at));
    entry.set_published(Some(time(&c.at)));
    entry.set_links(vec![link]);
    entry.set_summary(Some(Text::plain(c.summary.clone())));
    entry.set_content(Some(content));
    entry
}

/// The Atom document for `changes` (newest first, as [`crate::changes::list`] gives them).
///
/// # Errors
/// When a version or blob cannot be read.
pub fn feed(store: &Store, changes: &[Change]) -> Result<String, StoreError> {
    let mut entries = Vec::with_capacity(changes.len());
    for c in changes {
        let link_href = c
            .article_url
            .clone()
            .or_else(|| c.feed_url.clone())
            .unwrap_or_default();
        let Some(new_id) = c.new_version else {
            entries.push(entry(
                c,
                &link_href,
                format!("<p>{}</p>", diff::escape_html(&c.summary)),
            ));
            continue;
        };
        let new = store.version(new_id)?;
        let new_doc = diff::document(&new, &store.blob_text(&new.text_sha256)?);
        let (old_doc, old) = match c.old_version {
            Some(id) => {
                let old = store.version(id)?;
                (
                    diff::document(&old, &store.blob_text(&old.text_sha256)?),
                    Some(old),
                )
            }
            None => (String::new(), None),
        };
        let content_html = format!(
            "<p>{}</p>\n<p><a href=\"{u}\">{u}</a> (version {} → {})</p>\n{}",
            diff::escape_html(&c.summary),
            old.as_ref()
                .map_or_else(|| "-".to_string(), |o| o.id.to_string()),
            new.id,
            diff::html_passages(&old_doc, &new_doc, CONTEXT),
            u = diff::escape_html(&link_href),
        );
        entries.push(entry(c, &link_href, content_html));
    }
    let mut author = Person::default();
    author.set_name("stet");
    let mut generator = Generator::default();
    generator.set_value("stet");
    generator.set_version(Some(env!("CARGO_PKG_VERSION").to_string()));
    let mut feed = Feed::default();
    feed.set_title(Text::plain("stet: changes to archived articles"));
    feed.set_id(FEED_ID);
    feed.set_updated(
        changes
            .first()
            .map_or_else(FixedDateTime::default, |c| time(&c.at)),
    );
    feed.set_authors(vec![author]);
    feed.set_generator(Some(generator));
    feed.set_entries(entries);
    Ok(feed.to_string())
}
