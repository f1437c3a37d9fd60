//! Writing files that hold secrets (encryption keys, API keys).

use std::io::{self, Write};
use std::path::Path;

/// Creates the file `path` with `contents`, readable and writable by its owner only (mode
/// `0600` on Unix, set when the file is created, so it is never readable by others).
///
/// The file must not exist yet: an existing file is never overwritten, and the error then
/// has the kind [`io::ErrorKind::AlreadyExists`] (two processes racing to create the same
/// secret cannot both win).
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// let dir = std::env::temp_dir().join(format!("private-file-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("secret");
/// # let _ = std::fs::remove_file(&path);
/// composio_server::write_private_file(&path, "s3cret")?;
/// assert_eq!(std::fs::read_to_string(&path)?, "s3cret");
/// let again = composio_server::write_private_file(&path, "other").unwrap_err();
/// assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(()) }
/// ```
pub fn write_private_file(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_an_owner_only_file_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        write_private_file(&path, "first").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let e = write_private_file(&path, "second").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first");
    }
}
