//! Damage to the outbox file, found at open instead of losing writes silently.
//!
//! Two kinds of damage are caught before the outbox is used:
//! - a corrupt file: `PRAGMA integrity_check` fails or reports problems;
//! - a write-ahead log that lost its tail (truncated, or a frame with a bad checksum): SQLite
//!   ignores every frame after the first bad one without an error, so committed inserts just
//!   vanish. To see that, every enqueue records its op id (ids only grow: AUTOINCREMENT) in a
//!   tiny side file, `<outbox>.seq`, written and fsynced after the insert committed. At open,
//!   a recorded id above the file's own sequence means inserts were lost.
//!
//! A damaged file is salvaged (every row still readable), kept aside as
//! `<outbox>.damaged-<UTC timestamp>` (with its `-wal`/`-shm`), and a fresh outbox is created
//! with the salvaged rows; [`Damage`] says how many writes could not be recovered.

use std::io::Write;
use std::path::{Path, PathBuf};

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

/// The columns of `ops`, copied as they are from a damaged file.
const COLUMNS: &str = "id, target, entity, op, state, attempts, ambiguous, last_error, result, \
                       created_at, updated_at, lease_owner, lease_until";

/// What was found wrong with the outbox file at open, and what was done about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// Why the file was judged damaged.
    pub reason: String,
    /// Where the damaged file was moved.
    pub kept_at: PathBuf,
    /// Rows copied into the fresh outbox.
    pub recovered: usize,
    /// Writes that could not be recovered (`None`: unknown, no side record).
    pub lost: Option<u64>,
}

impl Damage {
    /// One line for the status bar / a toast and the log.
    pub fn message(&self) -> String {
        let lost = match self.lost {
            Some(0) => "no queued write was lost".to_string(),
            Some(n) => format!(
                "{n} queued write{} (scores/comments) could not be recovered — check them in Opik and enter them again",
                if n == 1 { "" } else { "s" }
            ),
            None => "an unknown number of queued writes may be lost — check recent scores/comments in Opik".to_string(),
        };
        format!(
            "the outbox file was damaged ({}): {lost}; kept the damaged file as {}, {} entr{} recovered",
            self.reason,
            self.kept_at.display(),
            self.recovered,
            if self.recovered == 1 { "y" } else { "ies" }
        )
    }
}

/// Rows salvaged from a damaged file, to put into the fresh one.
pub(super) struct Salvage {
    damage: Damage,
    rows: Vec<Vec<Value>>,
    /// The sequence the fresh file must continue from (ids are never reused).
    seq: i64,
}

/// `<outbox>.seq`: the highest op id ever enqueued.
fn seq_path(db: &Path) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(".seq");
    PathBuf::from(s)
}

/// The recorded highest op id; 0 when there is no (readable) record.
pub(super) fn recorded_seq(db: &Path) -> i64 {
    std::fs::read_to_string(seq_path(db))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// Record `id` as enqueued (durably: temp file, fsync, rename). Never lowers the record, so
/// two processes sharing the file can at worst under-record, which only hides damage.
pub(super) fn record_seq(db: &Path, id: i64) -> std::io::Result<()> {
    if recorded_seq(db) >= id {
        return Ok(());
    }
    let path = seq_path(db);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    {
        let mut f = std::fs::File::create(&tmp)?;
        writeln!(f, "{id}")?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &path)?;
    if let Some(dir) = path.parent()
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The file's own sequence: the highest id it ever gave out (0 for a new file).
fn db_seq(conn: &Connection) -> rusqlite::Result<i64> {
    let has_seq: bool = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence')",
        [],
        |r| r.get(0),
    )?;
    if !has_seq {
        return Ok(0);
    }
    conn.query_row(
        "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'ops'), 0)",
        [],
        |r| r.get(0),
    )
}

/// Whether an error means the file is damaged (not busy, locked or unreadable for a reason
/// the normal open reports).
fn is_damage(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}

/// Why the file at `path` is damaged, and its sequence when that could be read. `Err`: it
/// could not be checked (busy…); the normal open goes on.
fn diagnose(conn: &Connection, path: &Path) -> Result<Option<(String, Option<i64>)>, ()> {
    // The record first: it is written after its insert committed, so every id it holds is in
    // the snapshot read below (another process may be enqueueing meanwhile).
    let recorded = recorded_seq(path);
    let check: rusqlite::Result<String> =
        conn.query_row("PRAGMA integrity_check", [], |r| r.get(0));
    match check {
        Err(e) if is_damage(&e) => return Ok(Some((format!("unreadable: {e}"), None))),
        Err(_) => return Err(()),
        Ok(s) if s != "ok" => return Ok(Some((format!("integrity check: {s}"), None))),
        Ok(_) => {}
    }
    let seq = match db_seq(conn) {
        Ok(s) => s,
        Err(e) if is_damage(&e) => return Ok(Some((format!("unreadable: {e}"), None))),
        Err(_) => return Err(()),
    };
    Ok((recorded > seq).then(|| {
        (
            format!("its write-ahead log lost entries {}..={recorded}", seq + 1),
            Some(seq),
        )
    }))
}

/// Every row of `ops` that can still be read (stops at the first unreadable one).
fn salvage_rows(conn: &Connection) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    let Ok(mut st) = conn.prepare(&format!("SELECT {COLUMNS} FROM ops ORDER BY id")) else {
        return out;
    };
    let n = st.column_count();
    let Ok(mut rows) = st.query([]) else {
        return out;
    };
    while let Ok(Some(row)) = rows.next() {
        let vals: Result<Vec<Value>, _> = (0..n).map(|i| row.get::<_, Value>(i)).collect();
        match vals {
            Ok(v) => out.push(v),
            Err(_) => break,
        }
    }
    out
}

/// Move `path` and its `-wal`/`-shm` to `<path>.damaged-<stamp>[-wal|-shm]`.
fn set_aside(path: &Path) -> std::io::Result<PathBuf> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let mut kept = path.as_os_str().to_owned();
    kept.push(format!(".damaged-{stamp}"));
    let kept = PathBuf::from(kept);
    for suffix in ["", "-wal", "-shm"] {
        let mut from = path.as_os_str().to_owned();
        from.push(suffix);
        let mut to = kept.as_os_str().to_owned();
        to.push(suffix);
        match std::fs::rename(&from, &to) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !suffix.is_empty() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(kept)
}

/// Check the outbox file before it is opened for use. A damaged file is salvaged and moved
/// aside (the caller then creates a fresh one and calls [`restore`]). A missing file starts
/// clean (a left-over side record is dropped: the file was removed on purpose).
pub(super) fn check(path: &Path) -> std::io::Result<Option<Salvage>> {
    if !path.exists() {
        let _ = std::fs::remove_file(seq_path(path));
        return Ok(None);
    }
    let (reason, seq, rows) = {
        let Ok(conn) = Connection::open(path) else {
            // Cannot even open it (permissions…): the normal open reports that.
            return Ok(None);
        };
        // Keep the damaged log as it is for inspection (no checkpoint when this closes).
        let _ = conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        );
        let _ = conn.busy_timeout(std::time::Duration::from_secs(5));
        let Ok(Some((reason, seq))) = diagnose(&conn, path) else {
            return Ok(None);
        };
        (reason, seq, salvage_rows(&conn))
    };
    let kept_at = set_aside(path)?;
    let recorded = recorded_seq(path);
    let salvaged_max = rows
        .iter()
        .filter_map(|r| match r.first() {
            Some(Value::Integer(i)) => Some(*i),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let known = seq.unwrap_or(0).max(salvaged_max);
    let lost = if recorded > 0 {
        Some(recorded.saturating_sub(known).max(0) as u64)
    } else if seq.is_some() {
        Some(0)
    } else {
        None
    };
    Ok(Some(Salvage {
        damage: Damage {
            reason,
            kept_at,
            recovered: rows.len(),
            lost,
        },
        seq: recorded.max(known),
        rows,
    }))
}

/// Put the salvaged rows into the fresh outbox (leases dropped), continue its sequence after
/// every id ever given out, and return the damage report.
pub(super) fn restore(conn: &mut Connection, salvage: Salvage) -> rusqlite::Result<Damage> {
    let mut damage = salvage.damage;
    damage.recovered = 0;
    let tx = conn.transaction()?;
    {
        let marks = vec!["?"; 13].join(", ");
        let mut st = tx.prepare(&format!("INSERT INTO ops({COLUMNS}) VALUES ({marks})"))?;
        for mut row in salvage.rows {
            if row.len() != 13 {
                continue;
            }
            row[11] = Value::Null;
            row[12] = Value::Integer(0);
            // A row the fresh file refuses (mangled types) is lost, not fatal.
            if st.execute(params_from_iter(row)).is_ok() {
                damage.recovered += 1;
            }
        }
    }
    tx.execute("DELETE FROM sqlite_sequence WHERE name = 'ops'", [])?;
    tx.execute(
        "INSERT INTO sqlite_sequence(name, seq) VALUES ('ops', ?1)",
        [salvage.seq],
    )?;
    tx.commit()?;
    Ok(damage)
}
