//! Replacing a file atomically, for `connections.toml` and a rewritten `.netrc`.
//!
//! A temp file in the same directory, with a random name, created exclusively
//! (`O_EXCL`) and without following a symlink (`O_NOFOLLOW`), so that nobody who can
//! write to the directory can make us write through a link they planted, or predict the
//! name. Then write, fsync, rename over the file, fsync the directory. A crash leaves the
//! old file or the new one, never a mix.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::core::error::Error;

/// Replaces `path` with `contents`, with the permission bits `mode` (unix; elsewhere the
/// file inherits the directory's ACL).
pub fn replace(path: &Path, contents: &[u8], mode: u32) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let io = |action: &'static str, p: &Path| {
        let p = p.to_path_buf();
        move |source| Error::ConfigIo {
            action,
            path: p,
            source,
        }
    };
    let (tmp, mut file) = create_temp(dir, &name, mode).map_err(io("create a file in", dir))?;
    let mut write = || -> Result<(), Error> {
        file.write_all(contents).map_err(io("write", &tmp))?;
        file.sync_all().map_err(io("sync", &tmp))?;
        fs::rename(&tmp, path).map_err(io("replace", path))?;
        #[cfg(unix)]
        if let Ok(dir) = File::open(dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    };
    let result = write();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Creates a new temp file beside `name`, under a name nobody can guess, never through an
/// existing file or link.
fn create_temp(dir: &Path, name: &str, mode: u32) -> std::io::Result<(std::path::PathBuf, File)> {
    let mut last = None;
    for _ in 0..8 {
        let tmp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(mode).custom_flags(libc::O_NOFOLLOW);
        }
        #[cfg(not(unix))]
        let _ = mode;
        match options.open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temp file name")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_with_the_mode_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, "old").unwrap();
        replace(&path, b"new", 0o600).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temp file left behind");
    }

    #[cfg(unix)]
    #[test]
    fn temp_names_are_random_and_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let (a, _) = create_temp(dir.path(), "f", 0o600).unwrap();
        let (b, _) = create_temp(dir.path(), "f", 0o600).unwrap();
        assert_ne!(a, b, "not predictable from the process id");
        // A link planted at a temp name is neither followed nor overwritten.
        let victim = dir.path().join("victim");
        fs::write(&victim, "keep").unwrap();
        let planted = dir.path().join("planted");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        assert!(options.open(&planted).is_err(), "create_new refuses a link");
        use std::os::unix::fs::OpenOptionsExt;
        let mut follow = OpenOptions::new();
        follow.write(true).custom_flags(libc::O_NOFOLLOW);
        let err = follow.open(&planted).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ELOOP), "{err}");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
    }
}
