//! Querying the parsed page cheaply: CSS selectors compiled once instead of at every
//! call, and bounded text reads that stop as soon as a block is too long to matter.

use dom_query::{Document, Matcher, NodeRef};

/// A CSS selector (a string literal or constant) compiled once, on first use, as a
/// `&'static Matcher`.
macro_rules! matcher {
    ($sel:expr) => {{
        static M: std::sync::LazyLock<dom_query::Matcher> =
            std::sync::LazyLock::new(|| dom_query::Matcher::new($sel).expect("selector"));
        &*M
    }};
}
pub(crate) use matcher;

/// The text of `node` (as [`NodeRef::text`] gives it), or `None` when it is longer than
/// `max` bytes: the text of a large container is never built only to be found too long.
pub(crate) fn text_within(node: &NodeRef, max: usize) -> Option<String> {
    let mut text = String::new();
    for d in std::iter::once(*node).chain(node.descendants_it()) {
        if d.is_text() {
            text.push_str(&d.text());
            if text.len() > max {
                return None;
            }
        }
    }
    Some(text)
}

/// Whether any element of `doc` matches `m` (the search stops at the first).
pub(crate) fn any(doc: &Document, m: &Matcher) -> bool {
    doc.select_single_matcher(m).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_text_is_the_text_or_nothing() {
        let doc = Document::from("<div id=a>one <b>two</b><script>x</script> three</div>");
        let div = doc.select_matcher(matcher!("#a")).nodes()[0];
        assert_eq!(text_within(&div, 100).as_deref(), Some(&*div.text()));
        assert_eq!(text_within(&div, 8), None);
        assert!(any(&doc, matcher!("b")));
        assert!(!any(&doc, matcher!("i")));
    }
}
