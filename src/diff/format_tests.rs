//! The diff formats agree: short fields as whole lines, passages with context.

use super::*;

const OLD: &str = "Title: Council approves depot closure\nByline: Ann Lee\nPublished: \nComments: open\n\n\
    One.\nTwo.\nThree.\n\nFour.\nFive.\nSix.\nSeven.\nEight.\n";
const NEW: &str = "Title: Depot to close after night of debate\nByline: Ann Lee\nPublished: \nComments: open\n\n\
    One.\nTwo.\nThree.\n\nFour.\nFive, changed.\nSix.\nSeven.\nEight.\n";

#[test]
fn a_title_change_is_whole_old_and_new_lines_in_every_format() {
    let (old, new) = (
        "Title: Council approves depot closure",
        "Title: Depot to close after night of debate",
    );
    let unified = unified(OLD, NEW, "a", "b");
    assert!(
        unified.contains(&format!(
            "@@ -1,4 +1,4 @@\n-{old}\n+{new}\n Byline: Ann Lee\n"
        )),
        "{unified}"
    );
    let word = word(OLD, NEW, Marks::Plain);
    assert_eq!(
        word,
        format!(
            "[-{old}-]\n{{+{new}+}}\nByline: Ann Lee\n...\nFour.\nFive{{+, changed+}}.\nSix.\n"
        )
    );
    let html = html_passages(OLD, NEW, 1);
    assert_eq!(
        html,
        format!(
            "<p><del>{old}</del><br>\n<ins>{new}</ins><br>\nByline: Ann Lee</p>\n<p>…</p>\n\
             <p>Four.<br>\nFive<ins>, changed</ins>.<br>\nSix.</p>\n"
        )
    );
    let h = hunks(OLD, NEW);
    let changed: Vec<(&str, &str)> = h
        .iter()
        .flat_map(|h| &h.lines)
        .filter(|l| l.op != "equal")
        .map(|l| (l.op, l.text.as_str()))
        .collect();
    assert_eq!(
        changed,
        [
            ("delete", old),
            ("insert", new),
            ("delete", "Five."),
            ("insert", "Five, changed.")
        ]
    );
}

#[test]
fn the_whole_article_diff_keeps_every_line() {
    let f = html_fragment(OLD, NEW);
    assert!(f.contains("<p>One.<br>\nTwo.<br>\nThree.</p>\n"), "{f}");
    assert!(
        f.contains("Five<ins>, changed</ins>.<br>\nSix.<br>\nSeven.<br>\nEight.</p>\n"),
        "{f}"
    );
    assert_eq!(html_passages(OLD, OLD, 1), "");
    assert_eq!(word(OLD, OLD, Marks::Plain), "");
}

#[test]
fn quote_only_lines_are_no_change_in_any_format() {
    let old = "Title: T\n\nHe said \u{201c}yes\u{201d}.\nOn Monday.\n";
    let new = "Title: T\n\nHe said \"yes\".\nOn Tuesday.\n";
    let u = unified(old, new, "a", "b");
    assert_eq!(
        u,
        "--- a\n+++ b\n@@ -1,4 +1,4 @@\n Title: T\n \n He said \"yes\".\n-On Monday.\n+On Tuesday.\n"
    );
    assert_eq!(
        word(old, new, Marks::Plain),
        "He said \"yes\".\nOn [-Monday-]{+Tuesday+}.\n"
    );
    assert_eq!(crate::changes::sentence_counts(old, new), (1, 1));
}
