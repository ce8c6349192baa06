//! Files that hold traces (private conversations) are created for their owner only: directories
//! `0700`, files `0600` (on Unix; elsewhere the platform defaults). Existing files and
//! directories keep their permissions (the user may have chosen them).
//!
//! SQLite creates a database's `-wal` and `-shm` files with the database file's permissions, so
//! creating the database file `0600` first makes all three private.

use std::io;
use std::path::Path;

/// Create `dir` and its missing parents, private to the owner.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// Create the parent directory of `file` and `file` itself (empty) when missing, private to the
/// owner. Call it before opening the file (or the SQLite database) the usual way.
pub fn prepare(file: &Path) -> io::Result<()> {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_dir_all(dir)?;
    }
    let mut o = std::fs::OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(file).map(drop)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn new_files_and_dirs_are_private_existing_ones_untouched() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("a/b/c.db");
        super::prepare(&f).unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&f), 0o600);
        assert_eq!(mode(&t.path().join("a/b")), 0o700);
        assert_eq!(mode(&t.path().join("a")), 0o700);
        let g = t.path().join("g");
        std::fs::write(&g, "x").unwrap();
        std::fs::set_permissions(&g, std::fs::Permissions::from_mode(0o640)).unwrap();
        super::prepare(&g).unwrap();
        assert_eq!(mode(&g), 0o640);
        assert_eq!(std::fs::read_to_string(&g).unwrap(), "x");
    }
}
