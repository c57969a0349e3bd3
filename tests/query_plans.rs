//! The hot queries (run per article in a poll cycle, or per command) use their indexes:
//! `EXPLAIN QUERY PLAN` shows no full scan of `articles`, `versions` or `blobs`, so the
//! cost per article does not grow with the archive.

use rusqlite::Connection;

fn plan(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
    let n = stmt.parameter_count();
    let params: Vec<rusqlite::types::Value> =
        (0..n).map(|_| rusqlite::types::Value::Null).collect();
    stmt.query_map(rusqlite::params_from_iter(params), |r| {
        r.get::<_, String>(3)
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn hot_queries_use_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plans.db");
    stet::store::Store::open(&path).unwrap().close();
    let conn = Connection::open(&path).unwrap();
    // Some rows and statistics, so that the planner decides as on a real archive.
    conn.execute_batch("ANALYZE;").unwrap();
    for sql in stet::store::HOT_QUERIES {
        let steps = plan(&conn, sql);
        for step in &steps {
            let scan = step.starts_with("SCAN ") && !step.starts_with("SCAN CONSTANT ROW");
            assert!(!scan, "full scan in the plan of\n{sql}\n{steps:#?}");
        }
        assert!(!steps.is_empty(), "{sql}");
        println!(
            "{}\n  {}",
            sql.split_whitespace().collect::<Vec<_>>().join(" "),
            steps.join("\n  ")
        );
    }
    // The check itself sees a scan when there is one.
    let steps = plan(&conn, "SELECT id FROM versions WHERE title = ?1");
    assert!(
        steps.iter().any(|s| s.starts_with("SCAN versions")),
        "{steps:?}"
    );
}
