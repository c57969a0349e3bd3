//! `stet-eval`: measures extraction quality on a corpus folder.
//!
//! ```text
//! cargo run --release --bin stet-eval -- ../shared/corpus/zyte-benchmark
//! cargo run --release --bin stet-eval -- ../shared/corpus/readability-test-pages --json
//! cargo run --release --bin stet-eval -- ../shared/corpus/zyte-benchmark --page <id>
//! ```
//!
//! The layout (Zyte benchmark or Mozilla test pages) is recognized from the folder's files.

use std::path::PathBuf;

use clap::Parser;
use stet::eval;

/// Measure extraction quality on a Zyte-benchmark or Mozilla test-pages folder.
#[derive(Parser)]
#[command(name = "stet-eval")]
struct Args {
    /// The corpus folder.
    dir: PathBuf,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
    /// How many of the worst pages to list.
    #[arg(long, default_value_t = 10)]
    worst: usize,
    /// Score only this page (id or folder name); with Zyte also prints truth and prediction.
    #[arg(long)]
    page: Option<String>,
    /// Mozilla: list every field mismatch.
    #[arg(long)]
    mismatches: bool,
    /// Zyte: extract the corpus this many times and report the fastest pass's times.
    #[arg(long, default_value_t = 1)]
    passes: usize,
    /// Boilerplate rules to switch off (comma-separated names), to measure each rule.
    #[arg(long, value_delimiter = ',')]
    disable: Vec<String>,
    /// Zyte: write each page's scored prediction to `<dir>/<id>.txt` for inspection;
    /// Mozilla with `--page`: write expected.txt, got.txt and got.html there.
    #[arg(long)]
    dump: Option<PathBuf>,
}

fn fmt_opt(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{v:.3}"))
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let rules = stet::extract::clean::Rules {
        disabled: args.disable.clone(),
    };
    if eval::is_zyte(&args.dir) {
        let report = eval::run_zyte(&args.dir, args.page.as_deref(), &rules, args.passes)?;
        if let Some(out) = &args.dump {
            std::fs::create_dir_all(out)?;
            for p in &report.pages {
                let (_, pred) = eval::zyte_page_texts(&args.dir, &p.id, &rules)?;
                std::fs::write(out.join(format!("{}.txt", p.id)), pred)?;
            }
        }
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
            return Ok(());
        }
        if let Some(id) = &args.page {
            let (truth, pred) = eval::zyte_page_texts(&args.dir, id, &rules)?;
            println!("=== truth ===\n{truth}\n=== prediction ===\n{pred}\n");
        }
        let s = &report.summary;
        println!("Zyte layout: {} ({} pages)", args.dir.display(), s.pages);
        println!("| F1 | precision | recall | accuracy | ms/page | pages/s |");
        println!("|---|---|---|---|---|---|");
        println!(
            "| {:.3} | {:.3} | {:.3} | {:.3} | {:.2} | {:.0} |",
            s.f1, s.precision, s.recall, s.accuracy, s.mean_ms, s.pages_per_s
        );
        println!("\nWorst {} pages:", args.worst);
        println!("| F1 | P | R | ms | id | url |");
        println!("|---|---|---|---|---|---|");
        for p in eval::worst(&report.pages, args.worst) {
            println!(
                "| {:.3} | {} | {} | {:.1} | {} | {} |",
                p.f1,
                fmt_opt(p.precision),
                fmt_opt(p.recall),
                p.ms,
                p.id,
                p.url.as_deref().unwrap_or(""),
            );
        }
    } else if eval::is_mozilla(&args.dir) {
        let report = eval::run_mozilla(&args.dir, args.page.as_deref(), &rules)?;
        if let (Some(id), Some(out)) = (&args.page, &args.dump) {
            let case = args.dir.join(id);
            let expected = std::fs::read_to_string(case.join("expected.html"))?;
            let source = std::fs::read_to_string(case.join("source.html"))?;
            let x = stet::extract::extract_with_rules(&source, eval::MOZILLA_URL, &[], &rules)?;
            std::fs::create_dir_all(out)?;
            std::fs::write(
                out.join("expected.txt"),
                stet::text::html_to_text(&expected, None),
            )?;
            std::fs::write(out.join("got.txt"), &x.text)?;
            std::fs::write(out.join("got.html"), &x.html)?;
        }
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
            return Ok(());
        }
        println!(
            "Mozilla layout: {} ({} pages)",
            args.dir.display(),
            report.pages
        );
        println!("| field | agree | compared |");
        println!("|---|---|---|");
        for (f, a, c) in &report.fields {
            println!("| {f} | {a} | {c} |");
        }
        let t = &report.text;
        println!(
            "\nBody text: F1 {:.3} (P {:.3}, R {:.3}), text agreement (F1 >= {}) {}/{}, \
             exact text-node match {}/{}, {:.2} ms/page",
            t.f1,
            t.precision,
            t.recall,
            eval::TEXT_AGREEMENT_F1,
            report.text_agree,
            report.pages,
            report.nodes_match,
            report.pages,
            t.mean_ms
        );
        let texts: Vec<eval::PageScore> = report.details.iter().map(|d| d.text.clone()).collect();
        println!("\nWorst {} pages by text F1:", args.worst);
        println!("| F1 | P | R | nodes match | page |");
        println!("|---|---|---|---|---|");
        for p in eval::worst(&texts, args.worst) {
            let d = report.details.iter().find(|d| d.id == p.id);
            println!(
                "| {:.3} | {} | {} | {} | {} |",
                p.f1,
                fmt_opt(p.precision),
                fmt_opt(p.recall),
                d.is_some_and(|d| d.nodes_match),
                p.id
            );
        }
        if args.mismatches || args.page.is_some() {
            println!("\nField mismatches (page, field, expected, got):");
            for d in &report.details {
                for (f, e, g) in &d.mismatches {
                    println!("{} | {f} | {e:?} | {g:?}", d.id);
                }
            }
        }
    } else {
        anyhow::bail!(
            "{}: neither a Zyte benchmark folder (ground-truth.json + html/) nor Mozilla test pages",
            args.dir.display()
        );
    }
    Ok(())
}
