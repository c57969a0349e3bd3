//! A small post-pass over `sentencex`'s English sentences: it re-joins two kinds of cut
//! that are never sentence ends in English prose.
//!
//! 1. After a title that stands before a name (`Mr.`, `Mrs.`, `Ms.`, `Mx.`, `Dr.`) when
//!    the next sentence starts with a capital letter: `and Ms. Ortiz later told`.
//!    (`sentencex` 0.1.33 reads `Ms.` as its case-insensitive `MS` marker, which breaks
//!    before a capitalised word, and does not list `Mx.`.)
//! 2. After `a.m.` or `p.m.` when the next sentence starts with a capitalised weekday or
//!    month name or a time-zone abbreviation: `at 4 p.m. Friday`, `at 9 a.m. ET`.
//!    (`sentencex`'s time-of-day marker breaks before any capitalised word: right for
//!    `at 4 p.m. Officials said`, wrong for these, which only continue a time.)
//!
//! Anything else `sentencex` decides stands.

/// Titles before a name, with their full stop. A capitalised word after one is the name.
const TITLES: [&str; 5] = ["Mr.", "Mrs.", "Ms.", "Mx.", "Dr."];

/// Words that continue a time of day (`4 p.m. Friday`, `4 p.m. ET`).
const AFTER_TIME: [&str; 36] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
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
    "ET",
    "EST",
    "EDT",
    "CT",
    "CST",
    "CDT",
    "MT",
    "MST",
    "MDT",
    "PT",
    "PST",
    "PDT",
    "GMT",
    "BST",
    "UTC",
    "CET",
    "CEST",
];

/// Whether the cut between `before` and `after` is one of the two kinds above.
fn continues(before: &str, after: &str) -> bool {
    let last = before
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or("")
        .trim_start_matches(|c: char| !c.is_alphanumeric());
    let next: String = after
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .chars()
        .take_while(|c| c.is_alphanumeric())
        .collect();
    if TITLES.contains(&last) {
        return next.chars().next().is_some_and(char::is_uppercase);
    }
    let time = last.to_ascii_lowercase();
    (time.ends_with("a.m.") || time.ends_with("p.m."))
        && time.len() <= 6
        && AFTER_TIME.contains(&next.as_str())
}

/// `cut` (trimmed sentences of `paragraph`, in order, each a slice of it) with the cuts
/// of the module documentation undone: the joined sentence is the paragraph's text from
/// the first's start to the second's end.
pub fn english<'a>(paragraph: &'a str, cut: Vec<&'a str>) -> Vec<&'a str> {
    let offset = |s: &str| s.as_ptr() as usize - paragraph.as_ptr() as usize;
    let mut out: Vec<&'a str> = Vec::with_capacity(cut.len());
    for s in cut {
        match out.last_mut() {
            Some(prev) if continues(prev, s) => {
                *prev = &paragraph[offset(prev)..offset(s) + s.len()];
            }
            _ => out.push(s),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::text::sentences;

    #[test]
    fn a_title_before_a_name_and_a_time_before_a_day_end_no_sentence() {
        let en = Some("en");
        assert_eq!(
            sentences(
                "Sen. Maria Ortiz of St. Louis met Gen. Mark Adams at No. 10 on Sept. 9, and Ms. Ortiz later told reporters she was \"satisfied.\" The meeting ended at 4 p.m. Friday, according to the U.K. government.",
                en
            ),
            [
                "Sen. Maria Ortiz of St. Louis met Gen. Mark Adams at No. 10 on Sept. 9, and Ms. Ortiz later told reporters she was \"satisfied.\"",
                "The meeting ended at 4 p.m. Friday, according to the U.K. government."
            ]
        );
        assert_eq!(
            sentences(
                "Mrs. Smith and Mx. Jones came at 9 a.m. ET on Monday. They left at 5 p.m. Sunday.",
                en
            ),
            [
                "Mrs. Smith and Mx. Jones came at 9 a.m. ET on Monday.",
                "They left at 5 p.m. Sunday."
            ]
        );
        // A time that ends a sentence still does: the next word is no day, month or zone.
        assert_eq!(
            sentences("It ended at 4 p.m. Officials left. He met Ms. Lee.", en),
            ["It ended at 4 p.m.", "Officials left.", "He met Ms. Lee."]
        );
        // Only English is re-joined.
        assert_eq!(
            sentences("Er kam um 4 Uhr. Freitag war es.", Some("de")),
            ["Er kam um 4 Uhr.", "Freitag war es."]
        );
    }
}
