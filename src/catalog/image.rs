//! Product images: what kind of image a file is, judged by its first bytes (never by its name
//! or the browser's say-so), and where images live in the data directory.

use std::path::{Path, PathBuf};

use crate::error::{AppError, AppResult};
use crate::secret;

/// The largest image accepted: plenty for a product photo a phone takes and shrinks.
pub const MAX_BYTES: usize = 2 << 20;

/// The folder in the data directory that holds uploaded images.
pub const DIR: &str = "uploads";

/// The image formats browsers show and phones produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Webp,
    Gif,
}

impl Kind {
    /// Recognises an image by its magic bytes.
    pub fn sniff(bytes: &[u8]) -> Option<Kind> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Kind::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Kind::Png)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(Kind::Gif)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(Kind::Webp)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Webp => "image/webp",
            Kind::Gif => "image/gif",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Kind::Jpeg => "jpg",
            Kind::Png => "png",
            Kind::Webp => "webp",
            Kind::Gif => "gif",
        }
    }
}

/// Writes the image under a new random name and returns that name. Written to a temporary
/// file first and renamed, so a crash never leaves half an image under a real name.
pub fn store(data_dir: &Path, kind: Kind, bytes: &[u8]) -> AppResult<String> {
    let dir = data_dir.join(DIR);
    std::fs::create_dir_all(&dir).map_err(AppError::internal)?;
    let token = secret::new_token();
    let name = format!("{}.{}", &token[..32], kind.extension());
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes).map_err(AppError::internal)?;
    std::fs::rename(&tmp, dir.join(&name)).map_err(AppError::internal)?;
    Ok(name)
}

/// The path of a stored image. Names come from `store`, but are checked again so a bad row
/// can never point outside the uploads folder.
pub fn path(data_dir: &Path, name: &str) -> Option<PathBuf> {
    let safe = !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.');
    safe.then(|| data_dir.join(DIR).join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_images_by_their_bytes() {
        assert_eq!(Kind::sniff(b"\xFF\xD8\xFF\xE0rest"), Some(Kind::Jpeg));
        assert_eq!(
            Kind::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(Kind::Png)
        );
        assert_eq!(Kind::sniff(b"GIF89a...."), Some(Kind::Gif));
        assert_eq!(Kind::sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some(Kind::Webp));
        assert_eq!(Kind::sniff(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(Kind::sniff(b"not an image, just text.png"), None);
        assert_eq!(Kind::sniff(b"<svg xmlns=...>"), None);
        assert_eq!(Kind::sniff(b""), None);
        assert_eq!(Kind::Webp.mime(), "image/webp");
    }

    #[test]
    fn stores_under_a_random_name() {
        let dir = tempfile::tempdir().unwrap();
        let a = store(dir.path(), Kind::Png, b"one").unwrap();
        let b = store(dir.path(), Kind::Png, b"two").unwrap();
        assert_ne!(a, b);
        assert!(a.ends_with(".png"));
        let p = path(dir.path(), &a).unwrap();
        assert_eq!(std::fs::read(p).unwrap(), b"one");
    }

    #[test]
    fn refuses_names_that_leave_the_folder() {
        let dir = Path::new("/data");
        assert!(path(dir, "../novi.db").is_none());
        assert!(path(dir, "a/b.png").is_none());
        assert!(path(dir, ".hidden.tmp").is_none());
        assert!(path(dir, "abc123.png").is_some());
    }
}
